from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ApnsInfo")


@_attrs_define
class ApnsInfo:
    """
    Attributes:
        bundle_id (str):
        key_id (str):
        sandbox (bool):
        team_id (str):
    """

    bundle_id: str
    key_id: str
    sandbox: bool
    team_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bundle_id = self.bundle_id

        key_id = self.key_id

        sandbox = self.sandbox

        team_id = self.team_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bundle_id": bundle_id,
                "key_id": key_id,
                "sandbox": sandbox,
                "team_id": team_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bundle_id = d.pop("bundle_id")

        key_id = d.pop("key_id")

        sandbox = d.pop("sandbox")

        team_id = d.pop("team_id")

        apns_info = cls(
            bundle_id=bundle_id,
            key_id=key_id,
            sandbox=sandbox,
            team_id=team_id,
        )

        apns_info.additional_properties = d
        return apns_info

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
