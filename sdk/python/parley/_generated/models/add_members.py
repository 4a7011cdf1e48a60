from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.member_role import MemberRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="AddMembers")


@_attrs_define
class AddMembers:
    """
    Attributes:
        user_ids (list[str]):
        role (MemberRole | None | Unset):
    """

    user_ids: list[str]
    role: MemberRole | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        user_ids = self.user_ids

        role: None | str | Unset
        if isinstance(self.role, Unset):
            role = UNSET
        elif isinstance(self.role, MemberRole):
            role = self.role.value
        else:
            role = self.role

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "user_ids": user_ids,
            }
        )
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        user_ids = cast(list[str], d.pop("user_ids"))

        def _parse_role(data: object) -> MemberRole | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_0 = MemberRole(data)

                return role_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MemberRole | None | Unset, data)

        role = _parse_role(d.pop("role", UNSET))

        add_members = cls(
            user_ids=user_ids,
            role=role,
        )

        return add_members
