from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.new_channel_custom_type_0 import NewChannelCustomType0


T = TypeVar("T", bound="NewChannel")


@_attrs_define
class NewChannel:
    """
    Attributes:
        type_ (str): The name of a channel type: a built-in one (`messaging`, `team`, `livestream`) or one the
            tenant defined (`/v1/channel-types`). Up to 32 lowercase letters, digits, `_` and `-`. Example: messaging.
        custom (NewChannelCustomType0 | None | Unset):
        distinct (bool | Unset): One channel per member set: creating it again returns the existing one.
        id (None | str | Unset): Omit for a server-generated id (or with `distinct`).
        members (list[str] | Unset): User ids to add as members. The creating user is always added, as owner.
        name (None | str | Unset):
        user_id (None | str | Unset): With the secret key: the user who creates the channel (becomes owner).
    """

    type_: str
    custom: NewChannelCustomType0 | None | Unset = UNSET
    distinct: bool | Unset = UNSET
    id: None | str | Unset = UNSET
    members: list[str] | Unset = UNSET
    name: None | str | Unset = UNSET
    user_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.new_channel_custom_type_0 import NewChannelCustomType0

        type_ = self.type_

        custom: dict[str, Any] | None | Unset
        if isinstance(self.custom, Unset):
            custom = UNSET
        elif isinstance(self.custom, NewChannelCustomType0):
            custom = self.custom.to_dict()
        else:
            custom = self.custom

        distinct = self.distinct

        id: None | str | Unset
        if isinstance(self.id, Unset):
            id = UNSET
        else:
            id = self.id

        members: list[str] | Unset = UNSET
        if not isinstance(self.members, Unset):
            members = self.members

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
            }
        )
        if custom is not UNSET:
            field_dict["custom"] = custom
        if distinct is not UNSET:
            field_dict["distinct"] = distinct
        if id is not UNSET:
            field_dict["id"] = id
        if members is not UNSET:
            field_dict["members"] = members
        if name is not UNSET:
            field_dict["name"] = name
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.new_channel_custom_type_0 import NewChannelCustomType0

        d = dict(src_dict)
        type_ = d.pop("type")

        def _parse_custom(data: object) -> NewChannelCustomType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                custom_type_0 = NewChannelCustomType0.from_dict(data)

                return custom_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(NewChannelCustomType0 | None | Unset, data)

        custom = _parse_custom(d.pop("custom", UNSET))

        distinct = d.pop("distinct", UNSET)

        def _parse_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        id = _parse_id(d.pop("id", UNSET))

        members = cast(list[str], d.pop("members", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        new_channel = cls(
            type_=type_,
            custom=custom,
            distinct=distinct,
            id=id,
            members=members,
            name=name,
            user_id=user_id,
        )

        return new_channel
