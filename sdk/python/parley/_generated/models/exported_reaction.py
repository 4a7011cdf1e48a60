from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ExportedReaction")


@_attrs_define
class ExportedReaction:
    """A reaction the user gave.

    Attributes:
        created_at (datetime.datetime):
        message_id (str):
        type_ (str):
        cid (None | str | Unset): The message's channel (absent if the message is gone).
    """

    created_at: datetime.datetime
    message_id: str
    type_: str
    cid: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        message_id = self.message_id

        type_ = self.type_

        cid: None | str | Unset
        if isinstance(self.cid, Unset):
            cid = UNSET
        else:
            cid = self.cid

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "message_id": message_id,
                "type": type_,
            }
        )
        if cid is not UNSET:
            field_dict["cid"] = cid

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        message_id = d.pop("message_id")

        type_ = d.pop("type")

        def _parse_cid(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cid = _parse_cid(d.pop("cid", UNSET))

        exported_reaction = cls(
            created_at=created_at,
            message_id=message_id,
            type_=type_,
            cid=cid,
        )

        exported_reaction.additional_properties = d
        return exported_reaction

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
