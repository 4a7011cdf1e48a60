from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attachment_input import AttachmentInput
    from ..models.new_message_custom_type_0 import NewMessageCustomType0


T = TypeVar("T", bound="NewMessage")


@_attrs_define
class NewMessage:
    """The body of `POST /v1/channels/{type}/{id}/messages`.

    Attributes:
        attachments (list[AttachmentInput] | None | Unset):
        custom (NewMessageCustomType0 | None | Unset):
        id (None | str | Unset): Client-chosen id: sending the same id again returns the stored message instead of a
            copy.
        mentions (list[str] | Unset): User ids mentioned; each must be a member of the channel.
        parent_id (None | str | Unset): Reply in the thread of this message.
        quoted_id (None | str | Unset): Quote this message of the same channel.
        silent (bool | Unset): A silent message does not raise unread counts.
        text (str | Unset): The text; may be empty only when the message has `attachments`.
        user_id (None | str | Unset): With the secret key: the author (required with the secret key).
    """

    attachments: list[AttachmentInput] | None | Unset = UNSET
    custom: NewMessageCustomType0 | None | Unset = UNSET
    id: None | str | Unset = UNSET
    mentions: list[str] | Unset = UNSET
    parent_id: None | str | Unset = UNSET
    quoted_id: None | str | Unset = UNSET
    silent: bool | Unset = UNSET
    text: str | Unset = UNSET
    user_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.new_message_custom_type_0 import NewMessageCustomType0

        attachments: list[dict[str, Any]] | None | Unset
        if isinstance(self.attachments, Unset):
            attachments = UNSET
        elif isinstance(self.attachments, list):
            attachments = []
            for attachments_type_0_item_data in self.attachments:
                attachments_type_0_item = attachments_type_0_item_data.to_dict()
                attachments.append(attachments_type_0_item)

        else:
            attachments = self.attachments

        custom: dict[str, Any] | None | Unset
        if isinstance(self.custom, Unset):
            custom = UNSET
        elif isinstance(self.custom, NewMessageCustomType0):
            custom = self.custom.to_dict()
        else:
            custom = self.custom

        id: None | str | Unset
        if isinstance(self.id, Unset):
            id = UNSET
        else:
            id = self.id

        mentions: list[str] | Unset = UNSET
        if not isinstance(self.mentions, Unset):
            mentions = self.mentions

        parent_id: None | str | Unset
        if isinstance(self.parent_id, Unset):
            parent_id = UNSET
        else:
            parent_id = self.parent_id

        quoted_id: None | str | Unset
        if isinstance(self.quoted_id, Unset):
            quoted_id = UNSET
        else:
            quoted_id = self.quoted_id

        silent = self.silent

        text = self.text

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if attachments is not UNSET:
            field_dict["attachments"] = attachments
        if custom is not UNSET:
            field_dict["custom"] = custom
        if id is not UNSET:
            field_dict["id"] = id
        if mentions is not UNSET:
            field_dict["mentions"] = mentions
        if parent_id is not UNSET:
            field_dict["parent_id"] = parent_id
        if quoted_id is not UNSET:
            field_dict["quoted_id"] = quoted_id
        if silent is not UNSET:
            field_dict["silent"] = silent
        if text is not UNSET:
            field_dict["text"] = text
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.attachment_input import AttachmentInput
        from ..models.new_message_custom_type_0 import NewMessageCustomType0

        d = dict(src_dict)

        def _parse_attachments(data: object) -> list[AttachmentInput] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                attachments_type_0 = []
                _attachments_type_0 = data
                for attachments_type_0_item_data in _attachments_type_0:
                    attachments_type_0_item = AttachmentInput.from_dict(
                        attachments_type_0_item_data
                    )

                    attachments_type_0.append(attachments_type_0_item)

                return attachments_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[AttachmentInput] | None | Unset, data)

        attachments = _parse_attachments(d.pop("attachments", UNSET))

        def _parse_custom(data: object) -> NewMessageCustomType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                custom_type_0 = NewMessageCustomType0.from_dict(data)

                return custom_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(NewMessageCustomType0 | None | Unset, data)

        custom = _parse_custom(d.pop("custom", UNSET))

        def _parse_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        id = _parse_id(d.pop("id", UNSET))

        mentions = cast(list[str], d.pop("mentions", UNSET))

        def _parse_parent_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        parent_id = _parse_parent_id(d.pop("parent_id", UNSET))

        def _parse_quoted_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        quoted_id = _parse_quoted_id(d.pop("quoted_id", UNSET))

        silent = d.pop("silent", UNSET)

        text = d.pop("text", UNSET)

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        new_message = cls(
            attachments=attachments,
            custom=custom,
            id=id,
            mentions=mentions,
            parent_id=parent_id,
            quoted_id=quoted_id,
            silent=silent,
            text=text,
            user_id=user_id,
        )

        return new_message
