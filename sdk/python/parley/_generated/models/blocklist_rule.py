from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.blocklist_action import BlocklistAction

T = TypeVar("T", bound="BlocklistRule")


@_attrs_define
class BlocklistRule:
    """A blocklist a channel type screens messages with, and its action.

    Attributes:
        action (BlocklistAction): What a channel type does with a message that matches a blocklist.
        name (str): The blocklist's name.
    """

    action: BlocklistAction
    name: str

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "action": action,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        action = BlocklistAction(d.pop("action"))

        name = d.pop("name")

        blocklist_rule = cls(
            action=action,
            name=name,
        )

        return blocklist_rule
