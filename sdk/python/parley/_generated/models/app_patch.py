from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tenant_settings import TenantSettings


T = TypeVar("T", bound="AppPatch")


@_attrs_define
class AppPatch:
    """
    Attributes:
        name (None | str | Unset): 1 to 200 characters, not only spaces.
        rotate_before_send_secret (bool | Unset): Generate a new secret for signing the before-send hook's calls.
        rotate_signing_secret (bool | Unset): Generate a new signing secret. Tokens signed with the old one keep working
            until they
            expire (at most the longest token lifetime).
        settings (None | TenantSettings | Unset):
    """

    name: None | str | Unset = UNSET
    rotate_before_send_secret: bool | Unset = UNSET
    rotate_signing_secret: bool | Unset = UNSET
    settings: None | TenantSettings | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.tenant_settings import TenantSettings

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        rotate_before_send_secret = self.rotate_before_send_secret

        rotate_signing_secret = self.rotate_signing_secret

        settings: dict[str, Any] | None | Unset
        if isinstance(self.settings, Unset):
            settings = UNSET
        elif isinstance(self.settings, TenantSettings):
            settings = self.settings.to_dict()
        else:
            settings = self.settings

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if rotate_before_send_secret is not UNSET:
            field_dict["rotate_before_send_secret"] = rotate_before_send_secret
        if rotate_signing_secret is not UNSET:
            field_dict["rotate_signing_secret"] = rotate_signing_secret
        if settings is not UNSET:
            field_dict["settings"] = settings

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.tenant_settings import TenantSettings

        d = dict(src_dict)

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        rotate_before_send_secret = d.pop("rotate_before_send_secret", UNSET)

        rotate_signing_secret = d.pop("rotate_signing_secret", UNSET)

        def _parse_settings(data: object) -> None | TenantSettings | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                settings_type_0 = TenantSettings.from_dict(data)

                return settings_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TenantSettings | Unset, data)

        settings = _parse_settings(d.pop("settings", UNSET))

        app_patch = cls(
            name=name,
            rotate_before_send_secret=rotate_before_send_secret,
            rotate_signing_secret=rotate_signing_secret,
            settings=settings,
        )

        return app_patch
