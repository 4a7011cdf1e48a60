from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ReadState")


@_attrs_define
class ReadState:
    """Read state after `POST …/read`.

    Attributes:
        cid (str):
        last_read_seq (int):
        unread_count (int):
        user_id (str):
    """

    cid: str
    last_read_seq: int
    unread_count: int
    user_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cid = self.cid

        last_read_seq = self.last_read_seq

        unread_count = self.unread_count

        user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cid": cid,
                "last_read_seq": last_read_seq,
                "unread_count": unread_count,
                "user_id": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        cid = d.pop("cid")

        last_read_seq = d.pop("last_read_seq")

        unread_count = d.pop("unread_count")

        user_id = d.pop("user_id")

        read_state = cls(
            cid=cid,
            last_read_seq=last_read_seq,
            unread_count=unread_count,
            user_id=user_id,
        )

        read_state.additional_properties = d
        return read_state

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
