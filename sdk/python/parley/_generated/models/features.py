from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Features")


@_attrs_define
class Features:
    """What a channel type offers.

    Attributes:
        push_notifications (bool): New messages are pushed to members' devices.
        reactions (bool):
        read_events (bool): `message.read` events are sent when a member marks the channel read (read state and
            unread counts are kept either way).
        replies (bool): Threads: messages with a `parent_id`.
        search (bool): Messages are indexed for search.
        typing_events (bool): Typing events are relayed.
        uploads (bool): Messages may carry uploaded files.
        url_enrichment (bool): Links in messages are previewed.
    """

    push_notifications: bool
    reactions: bool
    read_events: bool
    replies: bool
    search: bool
    typing_events: bool
    uploads: bool
    url_enrichment: bool

    def to_dict(self) -> dict[str, Any]:
        push_notifications = self.push_notifications

        reactions = self.reactions

        read_events = self.read_events

        replies = self.replies

        search = self.search

        typing_events = self.typing_events

        uploads = self.uploads

        url_enrichment = self.url_enrichment

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "push_notifications": push_notifications,
                "reactions": reactions,
                "read_events": read_events,
                "replies": replies,
                "search": search,
                "typing_events": typing_events,
                "uploads": uploads,
                "url_enrichment": url_enrichment,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        push_notifications = d.pop("push_notifications")

        reactions = d.pop("reactions")

        read_events = d.pop("read_events")

        replies = d.pop("replies")

        search = d.pop("search")

        typing_events = d.pop("typing_events")

        uploads = d.pop("uploads")

        url_enrichment = d.pop("url_enrichment")

        features = cls(
            push_notifications=push_notifications,
            reactions=reactions,
            read_events=read_events,
            replies=replies,
            search=search,
            typing_events=typing_events,
            uploads=uploads,
            url_enrichment=url_enrichment,
        )

        return features
