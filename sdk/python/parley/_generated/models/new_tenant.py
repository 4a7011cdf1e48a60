from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tenant_settings import TenantSettings


T = TypeVar("T", bound="NewTenant")


@_attrs_define
class NewTenant:
    """
    Attributes:
        name (str): 1 to 200 characters, not only spaces.
        settings (None | TenantSettings | Unset):
    """

    name: str
    settings: None | TenantSettings | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.tenant_settings import TenantSettings

        name = self.name

        settings: dict[str, Any] | None | Unset
        if isinstance(self.settings, Unset):
            settings = UNSET
        elif isinstance(self.settings, TenantSettings):
            settings = self.settings.to_dict()
        else:
            settings = self.settings

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if settings is not UNSET:
            field_dict["settings"] = settings

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.tenant_settings import TenantSettings

        d = dict(src_dict)
        name = d.pop("name")

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

        new_tenant = cls(
            name=name,
            settings=settings,
        )

        return new_tenant
