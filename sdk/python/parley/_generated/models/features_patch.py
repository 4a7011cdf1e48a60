from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="FeaturesPatch")


@_attrs_define
class FeaturesPatch:
    """Features as `PUT /v1/channel-types/{type}` takes them: each one left out keeps the type's
    default.

        Attributes:
            push_notifications (bool | None | Unset):
            reactions (bool | None | Unset):
            read_events (bool | None | Unset):
            replies (bool | None | Unset):
            search (bool | None | Unset):
            typing_events (bool | None | Unset):
            uploads (bool | None | Unset):
            url_enrichment (bool | None | Unset):
    """

    push_notifications: bool | None | Unset = UNSET
    reactions: bool | None | Unset = UNSET
    read_events: bool | None | Unset = UNSET
    replies: bool | None | Unset = UNSET
    search: bool | None | Unset = UNSET
    typing_events: bool | None | Unset = UNSET
    uploads: bool | None | Unset = UNSET
    url_enrichment: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        push_notifications: bool | None | Unset
        if isinstance(self.push_notifications, Unset):
            push_notifications = UNSET
        else:
            push_notifications = self.push_notifications

        reactions: bool | None | Unset
        if isinstance(self.reactions, Unset):
            reactions = UNSET
        else:
            reactions = self.reactions

        read_events: bool | None | Unset
        if isinstance(self.read_events, Unset):
            read_events = UNSET
        else:
            read_events = self.read_events

        replies: bool | None | Unset
        if isinstance(self.replies, Unset):
            replies = UNSET
        else:
            replies = self.replies

        search: bool | None | Unset
        if isinstance(self.search, Unset):
            search = UNSET
        else:
            search = self.search

        typing_events: bool | None | Unset
        if isinstance(self.typing_events, Unset):
            typing_events = UNSET
        else:
            typing_events = self.typing_events

        uploads: bool | None | Unset
        if isinstance(self.uploads, Unset):
            uploads = UNSET
        else:
            uploads = self.uploads

        url_enrichment: bool | None | Unset
        if isinstance(self.url_enrichment, Unset):
            url_enrichment = UNSET
        else:
            url_enrichment = self.url_enrichment

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if push_notifications is not UNSET:
            field_dict["push_notifications"] = push_notifications
        if reactions is not UNSET:
            field_dict["reactions"] = reactions
        if read_events is not UNSET:
            field_dict["read_events"] = read_events
        if replies is not UNSET:
            field_dict["replies"] = replies
        if search is not UNSET:
            field_dict["search"] = search
        if typing_events is not UNSET:
            field_dict["typing_events"] = typing_events
        if uploads is not UNSET:
            field_dict["uploads"] = uploads
        if url_enrichment is not UNSET:
            field_dict["url_enrichment"] = url_enrichment

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_push_notifications(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        push_notifications = _parse_push_notifications(
            d.pop("push_notifications", UNSET)
        )

        def _parse_reactions(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        reactions = _parse_reactions(d.pop("reactions", UNSET))

        def _parse_read_events(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        read_events = _parse_read_events(d.pop("read_events", UNSET))

        def _parse_replies(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        replies = _parse_replies(d.pop("replies", UNSET))

        def _parse_search(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        search = _parse_search(d.pop("search", UNSET))

        def _parse_typing_events(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        typing_events = _parse_typing_events(d.pop("typing_events", UNSET))

        def _parse_uploads(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        uploads = _parse_uploads(d.pop("uploads", UNSET))

        def _parse_url_enrichment(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        url_enrichment = _parse_url_enrichment(d.pop("url_enrichment", UNSET))

        features_patch = cls(
            push_notifications=push_notifications,
            reactions=reactions,
            read_events=read_events,
            replies=replies,
            search=search,
            typing_events=typing_events,
            uploads=uploads,
            url_enrichment=url_enrichment,
        )

        return features_patch
