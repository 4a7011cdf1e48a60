from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.apns_info import ApnsInfo
    from ..models.fcm_info import FcmInfo


T = TypeVar("T", bound="PushConfig")


@_attrs_define
class PushConfig:
    """What push is configured with (secrets are never returned).

    Attributes:
        apns (ApnsInfo | None | Unset):
        fcm (FcmInfo | None | Unset):
    """

    apns: ApnsInfo | None | Unset = UNSET
    fcm: FcmInfo | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.apns_info import ApnsInfo
        from ..models.fcm_info import FcmInfo

        apns: dict[str, Any] | None | Unset
        if isinstance(self.apns, Unset):
            apns = UNSET
        elif isinstance(self.apns, ApnsInfo):
            apns = self.apns.to_dict()
        else:
            apns = self.apns

        fcm: dict[str, Any] | None | Unset
        if isinstance(self.fcm, Unset):
            fcm = UNSET
        elif isinstance(self.fcm, FcmInfo):
            fcm = self.fcm.to_dict()
        else:
            fcm = self.fcm

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if apns is not UNSET:
            field_dict["apns"] = apns
        if fcm is not UNSET:
            field_dict["fcm"] = fcm

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.apns_info import ApnsInfo
        from ..models.fcm_info import FcmInfo

        d = dict(src_dict)

        def _parse_apns(data: object) -> ApnsInfo | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                apns_type_0 = ApnsInfo.from_dict(data)

                return apns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ApnsInfo | None | Unset, data)

        apns = _parse_apns(d.pop("apns", UNSET))

        def _parse_fcm(data: object) -> FcmInfo | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                fcm_type_0 = FcmInfo.from_dict(data)

                return fcm_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FcmInfo | None | Unset, data)

        fcm = _parse_fcm(d.pop("fcm", UNSET))

        push_config = cls(
            apns=apns,
            fcm=fcm,
        )

        push_config.additional_properties = d
        return push_config

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
