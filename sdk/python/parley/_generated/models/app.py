from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tenant_settings import TenantSettings


T = TypeVar("T", bound="App")


@_attrs_define
class App:
    """The app as its tenant sees it.

    Attributes:
        id (str):
        max_message_length (int): The effective message length limit.
        name (str):
        settings (TenantSettings): Per-tenant settings, changed through `PATCH /v1/app`.
        before_send_secret (None | str | Unset): Present only when the before-send hook is first set or its secret
            rotated: the secret
            (`whsec_…`) its calls are signed with, shown once.
        previous_signing_secret_valid_until (datetime.datetime | None | Unset): Until when tokens signed with the
            previous signing secret are still accepted.
        signing_secret (None | str | Unset): Present only in the answer to a rotation: the new secret, shown once.
    """

    id: str
    max_message_length: int
    name: str
    settings: TenantSettings
    before_send_secret: None | str | Unset = UNSET
    previous_signing_secret_valid_until: datetime.datetime | None | Unset = UNSET
    signing_secret: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        max_message_length = self.max_message_length

        name = self.name

        settings = self.settings.to_dict()

        before_send_secret: None | str | Unset
        if isinstance(self.before_send_secret, Unset):
            before_send_secret = UNSET
        else:
            before_send_secret = self.before_send_secret

        previous_signing_secret_valid_until: None | str | Unset
        if isinstance(self.previous_signing_secret_valid_until, Unset):
            previous_signing_secret_valid_until = UNSET
        elif isinstance(self.previous_signing_secret_valid_until, datetime.datetime):
            previous_signing_secret_valid_until = (
                self.previous_signing_secret_valid_until.isoformat()
            )
        else:
            previous_signing_secret_valid_until = (
                self.previous_signing_secret_valid_until
            )

        signing_secret: None | str | Unset
        if isinstance(self.signing_secret, Unset):
            signing_secret = UNSET
        else:
            signing_secret = self.signing_secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "max_message_length": max_message_length,
                "name": name,
                "settings": settings,
            }
        )
        if before_send_secret is not UNSET:
            field_dict["before_send_secret"] = before_send_secret
        if previous_signing_secret_valid_until is not UNSET:
            field_dict["previous_signing_secret_valid_until"] = (
                previous_signing_secret_valid_until
            )
        if signing_secret is not UNSET:
            field_dict["signing_secret"] = signing_secret

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.tenant_settings import TenantSettings

        d = dict(src_dict)
        id = d.pop("id")

        max_message_length = d.pop("max_message_length")

        name = d.pop("name")

        settings = TenantSettings.from_dict(d.pop("settings"))

        def _parse_before_send_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        before_send_secret = _parse_before_send_secret(
            d.pop("before_send_secret", UNSET)
        )

        def _parse_previous_signing_secret_valid_until(
            data: object,
        ) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                previous_signing_secret_valid_until_type_0 = (
                    datetime.datetime.fromisoformat(data)
                )

                return previous_signing_secret_valid_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        previous_signing_secret_valid_until = (
            _parse_previous_signing_secret_valid_until(
                d.pop("previous_signing_secret_valid_until", UNSET)
            )
        )

        def _parse_signing_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        signing_secret = _parse_signing_secret(d.pop("signing_secret", UNSET))

        app = cls(
            id=id,
            max_message_length=max_message_length,
            name=name,
            settings=settings,
            before_send_secret=before_send_secret,
            previous_signing_secret_valid_until=previous_signing_secret_valid_until,
            signing_secret=signing_secret,
        )

        app.additional_properties = d
        return app

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
