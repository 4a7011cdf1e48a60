from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.message_attachments_item import MessageAttachmentsItem
    from ..models.message_custom import MessageCustom
    from ..models.message_reaction_counts import MessageReactionCounts


T = TypeVar("T", bound="Message")


@_attrs_define
class Message:
    """A message as every answer and event shows it.

    Attributes:
        attachments (list[MessageAttachmentsItem]):
        cid (str):
        created_at (datetime.datetime):
        custom (MessageCustom):
        id (str):
        mentions (list[str]):
        own_reactions (list[str]): The caller's own reaction types on this message.
        pinned (bool):
        reaction_counts (MessageReactionCounts): Reaction type to number of users who reacted so.
        reply_count (int):
        seq (int): Position in the channel: gap-free and increasing.
        silent (bool):
        text (str):
        type_ (str): `regular`, `reply` (in a thread) or `deleted`.
        updated_at (datetime.datetime):
        deleted_at (datetime.datetime | None | Unset):
        edited_at (datetime.datetime | None | Unset):
        parent_id (None | str | Unset):
        pinned_at (datetime.datetime | None | Unset):
        pinned_by (None | str | Unset):
        quoted_id (None | str | Unset):
        quoted_message (Message | None | Unset):
        shadowed (bool | Unset): Sent by a shadow-banned user: shown to its author alone (and to the tenant server,
            admins and webhooks, with this mark). Absent otherwise.
        user_id (None | str | Unset): The author; `null` once the author's account was deleted.
    """

    attachments: list[MessageAttachmentsItem]
    cid: str
    created_at: datetime.datetime
    custom: MessageCustom
    id: str
    mentions: list[str]
    own_reactions: list[str]
    pinned: bool
    reaction_counts: MessageReactionCounts
    reply_count: int
    seq: int
    silent: bool
    text: str
    type_: str
    updated_at: datetime.datetime
    deleted_at: datetime.datetime | None | Unset = UNSET
    edited_at: datetime.datetime | None | Unset = UNSET
    parent_id: None | str | Unset = UNSET
    pinned_at: datetime.datetime | None | Unset = UNSET
    pinned_by: None | str | Unset = UNSET
    quoted_id: None | str | Unset = UNSET
    quoted_message: Message | None | Unset = UNSET
    shadowed: bool | Unset = UNSET
    user_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attachments = []
        for attachments_item_data in self.attachments:
            attachments_item = attachments_item_data.to_dict()
            attachments.append(attachments_item)

        cid = self.cid

        created_at = self.created_at.isoformat()

        custom = self.custom.to_dict()

        id = self.id

        mentions = self.mentions

        own_reactions = self.own_reactions

        pinned = self.pinned

        reaction_counts = self.reaction_counts.to_dict()

        reply_count = self.reply_count

        seq = self.seq

        silent = self.silent

        text = self.text

        type_ = self.type_

        updated_at = self.updated_at.isoformat()

        deleted_at: None | str | Unset
        if isinstance(self.deleted_at, Unset):
            deleted_at = UNSET
        elif isinstance(self.deleted_at, datetime.datetime):
            deleted_at = self.deleted_at.isoformat()
        else:
            deleted_at = self.deleted_at

        edited_at: None | str | Unset
        if isinstance(self.edited_at, Unset):
            edited_at = UNSET
        elif isinstance(self.edited_at, datetime.datetime):
            edited_at = self.edited_at.isoformat()
        else:
            edited_at = self.edited_at

        parent_id: None | str | Unset
        if isinstance(self.parent_id, Unset):
            parent_id = UNSET
        else:
            parent_id = self.parent_id

        pinned_at: None | str | Unset
        if isinstance(self.pinned_at, Unset):
            pinned_at = UNSET
        elif isinstance(self.pinned_at, datetime.datetime):
            pinned_at = self.pinned_at.isoformat()
        else:
            pinned_at = self.pinned_at

        pinned_by: None | str | Unset
        if isinstance(self.pinned_by, Unset):
            pinned_by = UNSET
        else:
            pinned_by = self.pinned_by

        quoted_id: None | str | Unset
        if isinstance(self.quoted_id, Unset):
            quoted_id = UNSET
        else:
            quoted_id = self.quoted_id

        quoted_message: dict[str, Any] | None | Unset
        if isinstance(self.quoted_message, Unset):
            quoted_message = UNSET
        elif isinstance(self.quoted_message, Message):
            quoted_message = self.quoted_message.to_dict()
        else:
            quoted_message = self.quoted_message

        shadowed = self.shadowed

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attachments": attachments,
                "cid": cid,
                "created_at": created_at,
                "custom": custom,
                "id": id,
                "mentions": mentions,
                "own_reactions": own_reactions,
                "pinned": pinned,
                "reaction_counts": reaction_counts,
                "reply_count": reply_count,
                "seq": seq,
                "silent": silent,
                "text": text,
                "type": type_,
                "updated_at": updated_at,
            }
        )
        if deleted_at is not UNSET:
            field_dict["deleted_at"] = deleted_at
        if edited_at is not UNSET:
            field_dict["edited_at"] = edited_at
        if parent_id is not UNSET:
            field_dict["parent_id"] = parent_id
        if pinned_at is not UNSET:
            field_dict["pinned_at"] = pinned_at
        if pinned_by is not UNSET:
            field_dict["pinned_by"] = pinned_by
        if quoted_id is not UNSET:
            field_dict["quoted_id"] = quoted_id
        if quoted_message is not UNSET:
            field_dict["quoted_message"] = quoted_message
        if shadowed is not UNSET:
            field_dict["shadowed"] = shadowed
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.message_attachments_item import MessageAttachmentsItem
        from ..models.message_custom import MessageCustom
        from ..models.message_reaction_counts import MessageReactionCounts

        d = dict(src_dict)
        attachments = []
        _attachments = d.pop("attachments")
        for attachments_item_data in _attachments:
            attachments_item = MessageAttachmentsItem.from_dict(attachments_item_data)

            attachments.append(attachments_item)

        cid = d.pop("cid")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        custom = MessageCustom.from_dict(d.pop("custom"))

        id = d.pop("id")

        mentions = cast(list[str], d.pop("mentions"))

        own_reactions = cast(list[str], d.pop("own_reactions"))

        pinned = d.pop("pinned")

        reaction_counts = MessageReactionCounts.from_dict(d.pop("reaction_counts"))

        reply_count = d.pop("reply_count")

        seq = d.pop("seq")

        silent = d.pop("silent")

        text = d.pop("text")

        type_ = d.pop("type")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_deleted_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                deleted_at_type_0 = datetime.datetime.fromisoformat(data)

                return deleted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        deleted_at = _parse_deleted_at(d.pop("deleted_at", UNSET))

        def _parse_edited_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                edited_at_type_0 = datetime.datetime.fromisoformat(data)

                return edited_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        edited_at = _parse_edited_at(d.pop("edited_at", UNSET))

        def _parse_parent_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        parent_id = _parse_parent_id(d.pop("parent_id", UNSET))

        def _parse_pinned_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                pinned_at_type_0 = datetime.datetime.fromisoformat(data)

                return pinned_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        pinned_at = _parse_pinned_at(d.pop("pinned_at", UNSET))

        def _parse_pinned_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pinned_by = _parse_pinned_by(d.pop("pinned_by", UNSET))

        def _parse_quoted_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        quoted_id = _parse_quoted_id(d.pop("quoted_id", UNSET))

        def _parse_quoted_message(data: object) -> Message | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                quoted_message_type_0 = Message.from_dict(data)

                return quoted_message_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Message | None | Unset, data)

        quoted_message = _parse_quoted_message(d.pop("quoted_message", UNSET))

        shadowed = d.pop("shadowed", UNSET)

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        message = cls(
            attachments=attachments,
            cid=cid,
            created_at=created_at,
            custom=custom,
            id=id,
            mentions=mentions,
            own_reactions=own_reactions,
            pinned=pinned,
            reaction_counts=reaction_counts,
            reply_count=reply_count,
            seq=seq,
            silent=silent,
            text=text,
            type_=type_,
            updated_at=updated_at,
            deleted_at=deleted_at,
            edited_at=edited_at,
            parent_id=parent_id,
            pinned_at=pinned_at,
            pinned_by=pinned_by,
            quoted_id=quoted_id,
            quoted_message=quoted_message,
            shadowed=shadowed,
            user_id=user_id,
        )

        message.additional_properties = d
        return message

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
