from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Blocklist")


@_attrs_define
class Blocklist:
    """A list of blocked words and regular expressions. Matching folds case, accents and
    compatibility forms (`Ｂád` reads `bad`); words match whole words or phrases, expressions
    match anywhere in the folded text, in linear time.

        Attributes:
            created_at (datetime.datetime):
            name (str):
            patterns (list[str]):
            updated_at (datetime.datetime):
            words (list[str]):
    """

    created_at: datetime.datetime
    name: str
    patterns: list[str]
    updated_at: datetime.datetime
    words: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        name = self.name

        patterns = self.patterns

        updated_at = self.updated_at.isoformat()

        words = self.words

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "name": name,
                "patterns": patterns,
                "updated_at": updated_at,
                "words": words,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        name = d.pop("name")

        patterns = cast(list[str], d.pop("patterns"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        words = cast(list[str], d.pop("words"))

        blocklist = cls(
            created_at=created_at,
            name=name,
            patterns=patterns,
            updated_at=updated_at,
            words=words,
        )

        blocklist.additional_properties = d
        return blocklist

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
