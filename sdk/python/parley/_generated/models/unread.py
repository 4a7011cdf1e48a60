from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.channel_unread import ChannelUnread


T = TypeVar("T", bound="Unread")


@_attrs_define
class Unread:
    """`GET /v1/me/unread`.

    Attributes:
        channels (list[ChannelUnread]): The channels with unread messages, by `cid`; a channel read to its end is left
            out.
        total_unread_count (int):
    """

    channels: list[ChannelUnread]
    total_unread_count: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channels = []
        for channels_item_data in self.channels:
            channels_item = channels_item_data.to_dict()
            channels.append(channels_item)

        total_unread_count = self.total_unread_count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channels": channels,
                "total_unread_count": total_unread_count,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.channel_unread import ChannelUnread

        d = dict(src_dict)
        channels = []
        _channels = d.pop("channels")
        for channels_item_data in _channels:
            channels_item = ChannelUnread.from_dict(channels_item_data)

            channels.append(channels_item)

        total_unread_count = d.pop("total_unread_count")

        unread = cls(
            channels=channels,
            total_unread_count=total_unread_count,
        )

        unread.additional_properties = d
        return unread

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
