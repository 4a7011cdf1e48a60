from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.channel_custom import ChannelCustom
    from ..models.member import Member
    from ..models.message import Message


T = TypeVar("T", bound="Channel")


@_attrs_define
class Channel:
    """A channel as the caller sees it.

    Attributes:
        cid (str):
        created_at (datetime.datetime):
        custom (ChannelCustom):
        frozen (bool):
        id (str):
        last_seq (int): The `seq` of the newest message.
        member_count (int):
        members (list[Member]): The first members (up to 100), by join time.
        slow_mode_s (int): Seconds a member waits between their messages (owners and moderators do not); 0: off.
        type_ (str): The name of a channel type: a built-in one (`messaging`, `team`, `livestream`) or one the
            tenant defined (`/v1/channel-types`). Up to 32 lowercase letters, digits, `_` and `-`. Example: messaging.
        updated_at (datetime.datetime):
        created_by (None | str | Unset):
        last_message (Message | None | Unset):
        last_message_at (datetime.datetime | None | Unset):
        membership (Member | None | Unset):
        name (None | str | Unset):
        unread_count (int | None | Unset): Messages the caller has not read (present when the caller is a member).
    """

    cid: str
    created_at: datetime.datetime
    custom: ChannelCustom
    frozen: bool
    id: str
    last_seq: int
    member_count: int
    members: list[Member]
    slow_mode_s: int
    type_: str
    updated_at: datetime.datetime
    created_by: None | str | Unset = UNSET
    last_message: Message | None | Unset = UNSET
    last_message_at: datetime.datetime | None | Unset = UNSET
    membership: Member | None | Unset = UNSET
    name: None | str | Unset = UNSET
    unread_count: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.member import Member
        from ..models.message import Message

        cid = self.cid

        created_at = self.created_at.isoformat()

        custom = self.custom.to_dict()

        frozen = self.frozen

        id = self.id

        last_seq = self.last_seq

        member_count = self.member_count

        members = []
        for members_item_data in self.members:
            members_item = members_item_data.to_dict()
            members.append(members_item)

        slow_mode_s = self.slow_mode_s

        type_ = self.type_

        updated_at = self.updated_at.isoformat()

        created_by: None | str | Unset
        if isinstance(self.created_by, Unset):
            created_by = UNSET
        else:
            created_by = self.created_by

        last_message: dict[str, Any] | None | Unset
        if isinstance(self.last_message, Unset):
            last_message = UNSET
        elif isinstance(self.last_message, Message):
            last_message = self.last_message.to_dict()
        else:
            last_message = self.last_message

        last_message_at: None | str | Unset
        if isinstance(self.last_message_at, Unset):
            last_message_at = UNSET
        elif isinstance(self.last_message_at, datetime.datetime):
            last_message_at = self.last_message_at.isoformat()
        else:
            last_message_at = self.last_message_at

        membership: dict[str, Any] | None | Unset
        if isinstance(self.membership, Unset):
            membership = UNSET
        elif isinstance(self.membership, Member):
            membership = self.membership.to_dict()
        else:
            membership = self.membership

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        unread_count: int | None | Unset
        if isinstance(self.unread_count, Unset):
            unread_count = UNSET
        else:
            unread_count = self.unread_count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cid": cid,
                "created_at": created_at,
                "custom": custom,
                "frozen": frozen,
                "id": id,
                "last_seq": last_seq,
                "member_count": member_count,
                "members": members,
                "slow_mode_s": slow_mode_s,
                "type": type_,
                "updated_at": updated_at,
            }
        )
        if created_by is not UNSET:
            field_dict["created_by"] = created_by
        if last_message is not UNSET:
            field_dict["last_message"] = last_message
        if last_message_at is not UNSET:
            field_dict["last_message_at"] = last_message_at
        if membership is not UNSET:
            field_dict["membership"] = membership
        if name is not UNSET:
            field_dict["name"] = name
        if unread_count is not UNSET:
            field_dict["unread_count"] = unread_count

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.channel_custom import ChannelCustom
        from ..models.member import Member
        from ..models.message import Message

        d = dict(src_dict)
        cid = d.pop("cid")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        custom = ChannelCustom.from_dict(d.pop("custom"))

        frozen = d.pop("frozen")

        id = d.pop("id")

        last_seq = d.pop("last_seq")

        member_count = d.pop("member_count")

        members = []
        _members = d.pop("members")
        for members_item_data in _members:
            members_item = Member.from_dict(members_item_data)

            members.append(members_item)

        slow_mode_s = d.pop("slow_mode_s")

        type_ = d.pop("type")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_created_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        created_by = _parse_created_by(d.pop("created_by", UNSET))

        def _parse_last_message(data: object) -> Message | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_message_type_0 = Message.from_dict(data)

                return last_message_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Message | None | Unset, data)

        last_message = _parse_last_message(d.pop("last_message", UNSET))

        def _parse_last_message_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_message_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_message_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_message_at = _parse_last_message_at(d.pop("last_message_at", UNSET))

        def _parse_membership(data: object) -> Member | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                membership_type_0 = Member.from_dict(data)

                return membership_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Member | None | Unset, data)

        membership = _parse_membership(d.pop("membership", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_unread_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        unread_count = _parse_unread_count(d.pop("unread_count", UNSET))

        channel = cls(
            cid=cid,
            created_at=created_at,
            custom=custom,
            frozen=frozen,
            id=id,
            last_seq=last_seq,
            member_count=member_count,
            members=members,
            slow_mode_s=slow_mode_s,
            type_=type_,
            updated_at=updated_at,
            created_by=created_by,
            last_message=last_message,
            last_message_at=last_message_at,
            membership=membership,
            name=name,
            unread_count=unread_count,
        )

        channel.additional_properties = d
        return channel

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
