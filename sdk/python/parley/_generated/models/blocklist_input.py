from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="BlocklistInput")


@_attrs_define
class BlocklistInput:
    """The body of `PUT /v1/blocklists/{name}`: the list's whole content.

    Attributes:
        patterns (list[str] | Unset): Regular expressions (Rust `regex` syntax: no look-around or back-references, so
            matching stays linear; at most 100, of 1 to 500 characters), matched against the
            folded text: lowercase, without accents.
        words (list[str] | Unset): Words and phrases (1 to 100 characters each, at most 10,000), matched as whole words
            in any case and with or without accents.
    """

    patterns: list[str] | Unset = UNSET
    words: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        patterns: list[str] | Unset = UNSET
        if not isinstance(self.patterns, Unset):
            patterns = self.patterns

        words: list[str] | Unset = UNSET
        if not isinstance(self.words, Unset):
            words = self.words

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if patterns is not UNSET:
            field_dict["patterns"] = patterns
        if words is not UNSET:
            field_dict["words"] = words

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        patterns = cast(list[str], d.pop("patterns", UNSET))

        words = cast(list[str], d.pop("words", UNSET))

        blocklist_input = cls(
            patterns=patterns,
            words=words,
        )

        return blocklist_input
