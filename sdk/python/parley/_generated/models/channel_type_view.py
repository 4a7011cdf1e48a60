from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.blocklist_rule import BlocklistRule
    from ..models.channel_type_view_grants import ChannelTypeViewGrants
    from ..models.features import Features


T = TypeVar("T", bound="ChannelTypeView")


@_attrs_define
class ChannelTypeView:
    """A channel type, as `/v1/channel-types` shows it.

    Attributes:
        blocklists (list[BlocklistRule]): The tenant's blocklists that screen this type's messages (new and edited),
            each with
            its action; when several match, `block` wins, then `mask`, and `flag` reports.
        built_in (bool): One of `messaging`, `team`, `livestream`: exists in every tenant, and `PUT` changes
            its settings.
        features (Features): What a channel type offers.
        grants (ChannelTypeViewGrants): For each role (`user`, `guest`: app roles; `owner`, `moderator`, `member`:
            channel
            roles), the actions it may do in channels of this type. A user holds the grants of
            their app role and of their channel role. Admins and the tenant server are never
            denied.
        name (str): The type's name: the `type` of its channels.
        updated_at (datetime.datetime | None | Unset): When the tenant last changed it; unset for a built-in type still
            at its defaults.
    """

    blocklists: list[BlocklistRule]
    built_in: bool
    features: Features
    grants: ChannelTypeViewGrants
    name: str
    updated_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        blocklists = []
        for blocklists_item_data in self.blocklists:
            blocklists_item = blocklists_item_data.to_dict()
            blocklists.append(blocklists_item)

        built_in = self.built_in

        features = self.features.to_dict()

        grants = self.grants.to_dict()

        name = self.name

        updated_at: None | str | Unset
        if isinstance(self.updated_at, Unset):
            updated_at = UNSET
        elif isinstance(self.updated_at, datetime.datetime):
            updated_at = self.updated_at.isoformat()
        else:
            updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "blocklists": blocklists,
                "built_in": built_in,
                "features": features,
                "grants": grants,
                "name": name,
            }
        )
        if updated_at is not UNSET:
            field_dict["updated_at"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.blocklist_rule import BlocklistRule
        from ..models.channel_type_view_grants import ChannelTypeViewGrants
        from ..models.features import Features

        d = dict(src_dict)
        blocklists = []
        _blocklists = d.pop("blocklists")
        for blocklists_item_data in _blocklists:
            blocklists_item = BlocklistRule.from_dict(blocklists_item_data)

            blocklists.append(blocklists_item)

        built_in = d.pop("built_in")

        features = Features.from_dict(d.pop("features"))

        grants = ChannelTypeViewGrants.from_dict(d.pop("grants"))

        name = d.pop("name")

        def _parse_updated_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                updated_at_type_0 = datetime.datetime.fromisoformat(data)

                return updated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        updated_at = _parse_updated_at(d.pop("updated_at", UNSET))

        channel_type_view = cls(
            blocklists=blocklists,
            built_in=built_in,
            features=features,
            grants=grants,
            name=name,
            updated_at=updated_at,
        )

        channel_type_view.additional_properties = d
        return channel_type_view

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
