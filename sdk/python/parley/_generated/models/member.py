from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.member_role import MemberRole

T = TypeVar("T", bound="Member")


@_attrs_define
class Member:
    """A member of a channel.

    Attributes:
        created_at (datetime.datetime):
        last_read_seq (int):
        muted (bool): The member gets no push notifications from this channel.
        role (MemberRole): A member's role in a channel.
        updated_at (datetime.datetime):
        user_id (str):
    """

    created_at: datetime.datetime
    last_read_seq: int
    muted: bool
    role: MemberRole
    updated_at: datetime.datetime
    user_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        last_read_seq = self.last_read_seq

        muted = self.muted

        role = self.role.value

        updated_at = self.updated_at.isoformat()

        user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "last_read_seq": last_read_seq,
                "muted": muted,
                "role": role,
                "updated_at": updated_at,
                "user_id": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        last_read_seq = d.pop("last_read_seq")

        muted = d.pop("muted")

        role = MemberRole(d.pop("role"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        user_id = d.pop("user_id")

        member = cls(
            created_at=created_at,
            last_read_seq=last_read_seq,
            muted=muted,
            role=role,
            updated_at=updated_at,
            user_id=user_id,
        )

        member.additional_properties = d
        return member

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
