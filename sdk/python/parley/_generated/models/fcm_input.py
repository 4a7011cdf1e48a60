from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.fcm_input_service_account import FcmInputServiceAccount


T = TypeVar("T", bound="FcmInput")


@_attrs_define
class FcmInput:
    """FCM credentials: a Google service account with the Firebase Messaging role.

    Attributes:
        service_account (FcmInputServiceAccount): The service-account JSON key file, as an object.
    """

    service_account: FcmInputServiceAccount

    def to_dict(self) -> dict[str, Any]:
        service_account = self.service_account.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "service_account": service_account,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.fcm_input_service_account import FcmInputServiceAccount

        d = dict(src_dict)
        service_account = FcmInputServiceAccount.from_dict(d.pop("service_account"))

        fcm_input = cls(
            service_account=service_account,
        )

        return fcm_input
