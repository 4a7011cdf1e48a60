from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.provider import Provider
from ..types import UNSET, Unset

T = TypeVar("T", bound="NewDevice")


@_attrs_define
class NewDevice:
    """
    Attributes:
        provider (Provider):
        token (str): The APNs device token (32 to 200 hex digits) or the FCM registration token (20 to
            4,096 letters, digits and `- _ : .`).
        user_id (None | str | Unset): Whose device it is: required with the secret key; with a user token, only the
            caller.
    """

    provider: Provider
    token: str
    user_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider.value

        token = self.token

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "provider": provider,
                "token": token,
            }
        )
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        provider = Provider(d.pop("provider"))

        token = d.pop("token")

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        new_device = cls(
            provider=provider,
            token=token,
            user_id=user_id,
        )

        return new_device
