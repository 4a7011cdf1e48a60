from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.exported_message_attachments_item import (
        ExportedMessageAttachmentsItem,
    )
    from ..models.exported_message_custom import ExportedMessageCustom


T = TypeVar("T", bound="ExportedMessage")


@_attrs_define
class ExportedMessage:
    """A message the user wrote, with its attachments' download URLs.

    Attributes:
        attachments (list[ExportedMessageAttachmentsItem]):
        cid (str):
        created_at (datetime.datetime):
        custom (ExportedMessageCustom):
        deleted (bool):
        id (str):
        mentions (list[str]):
        seq (int):
        silent (bool):
        text (str):
        type_ (str): `regular`, `reply` (in a thread) or `deleted`.
        updated_at (datetime.datetime):
        deleted_at (datetime.datetime | None | Unset):
        edited_at (datetime.datetime | None | Unset):
        parent_id (None | str | Unset): The thread the message is a reply in.
        quoted_id (None | str | Unset):
    """

    attachments: list[ExportedMessageAttachmentsItem]
    cid: str
    created_at: datetime.datetime
    custom: ExportedMessageCustom
    deleted: bool
    id: str
    mentions: list[str]
    seq: int
    silent: bool
    text: str
    type_: str
    updated_at: datetime.datetime
    deleted_at: datetime.datetime | None | Unset = UNSET
    edited_at: datetime.datetime | None | Unset = UNSET
    parent_id: None | str | Unset = UNSET
    quoted_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attachments = []
        for attachments_item_data in self.attachments:
            attachments_item = attachments_item_data.to_dict()
            attachments.append(attachments_item)

        cid = self.cid

        created_at = self.created_at.isoformat()

        custom = self.custom.to_dict()

        deleted = self.deleted

        id = self.id

        mentions = self.mentions

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

        quoted_id: None | str | Unset
        if isinstance(self.quoted_id, Unset):
            quoted_id = UNSET
        else:
            quoted_id = self.quoted_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attachments": attachments,
                "cid": cid,
                "created_at": created_at,
                "custom": custom,
                "deleted": deleted,
                "id": id,
                "mentions": mentions,
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
        if quoted_id is not UNSET:
            field_dict["quoted_id"] = quoted_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.exported_message_attachments_item import (
            ExportedMessageAttachmentsItem,
        )
        from ..models.exported_message_custom import ExportedMessageCustom

        d = dict(src_dict)
        attachments = []
        _attachments = d.pop("attachments")
        for attachments_item_data in _attachments:
            attachments_item = ExportedMessageAttachmentsItem.from_dict(
                attachments_item_data
            )

            attachments.append(attachments_item)

        cid = d.pop("cid")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        custom = ExportedMessageCustom.from_dict(d.pop("custom"))

        deleted = d.pop("deleted")

        id = d.pop("id")

        mentions = cast(list[str], d.pop("mentions"))

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

        def _parse_quoted_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        quoted_id = _parse_quoted_id(d.pop("quoted_id", UNSET))

        exported_message = cls(
            attachments=attachments,
            cid=cid,
            created_at=created_at,
            custom=custom,
            deleted=deleted,
            id=id,
            mentions=mentions,
            seq=seq,
            silent=silent,
            text=text,
            type_=type_,
            updated_at=updated_at,
            deleted_at=deleted_at,
            edited_at=edited_at,
            parent_id=parent_id,
            quoted_id=quoted_id,
        )

        exported_message.additional_properties = d
        return exported_message

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
