from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.member_role import MemberRole

T = TypeVar("T", bound="MemberPatch")


@_attrs_define
class MemberPatch:
    """
    Attributes:
        role (MemberRole): A member's role in a channel.
    """

    role: MemberRole

    def to_dict(self) -> dict[str, Any]:
        role = self.role.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "role": role,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        role = MemberRole(d.pop("role"))

        member_patch = cls(
            role=role,
        )

        return member_patch
