from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.blocklist_rule import BlocklistRule
    from ..models.channel_type_input_grants import ChannelTypeInputGrants
    from ..models.features_patch import FeaturesPatch


T = TypeVar("T", bound="ChannelTypeInput")


@_attrs_define
class ChannelTypeInput:
    """The body of `PUT /v1/channel-types/{type}`: what is left out takes the type's defaults
    (for a custom type, those of `messaging`).

        Attributes:
            blocklists (list[BlocklistRule] | Unset): Blocklists (by name, created with `PUT /v1/blocklists/{name}`) and
                their action; at
                most 10, each once. Left out: none.
            features (FeaturesPatch | Unset): Features as `PUT /v1/channel-types/{type}` takes them: each one left out keeps
                the type's
                default.
            grants (ChannelTypeInputGrants | Unset): Replaces the grants of each role it names (`user`, `guest`, `owner`,
                `moderator`,
                `member`); roles left out keep their defaults. `admin` takes no grants.
    """

    blocklists: list[BlocklistRule] | Unset = UNSET
    features: FeaturesPatch | Unset = UNSET
    grants: ChannelTypeInputGrants | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        blocklists: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.blocklists, Unset):
            blocklists = []
            for blocklists_item_data in self.blocklists:
                blocklists_item = blocklists_item_data.to_dict()
                blocklists.append(blocklists_item)

        features: dict[str, Any] | Unset = UNSET
        if not isinstance(self.features, Unset):
            features = self.features.to_dict()

        grants: dict[str, Any] | Unset = UNSET
        if not isinstance(self.grants, Unset):
            grants = self.grants.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if blocklists is not UNSET:
            field_dict["blocklists"] = blocklists
        if features is not UNSET:
            field_dict["features"] = features
        if grants is not UNSET:
            field_dict["grants"] = grants

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.blocklist_rule import BlocklistRule
        from ..models.channel_type_input_grants import ChannelTypeInputGrants
        from ..models.features_patch import FeaturesPatch

        d = dict(src_dict)
        _blocklists = d.pop("blocklists", UNSET)
        blocklists: list[BlocklistRule] | Unset = UNSET
        if _blocklists is not UNSET:
            blocklists = []
            for blocklists_item_data in _blocklists:
                blocklists_item = BlocklistRule.from_dict(blocklists_item_data)

                blocklists.append(blocklists_item)

        _features = d.pop("features", UNSET)
        features: FeaturesPatch | Unset
        if isinstance(_features, Unset):
            features = UNSET
        else:
            features = FeaturesPatch.from_dict(_features)

        _grants = d.pop("grants", UNSET)
        grants: ChannelTypeInputGrants | Unset
        if isinstance(_grants, Unset):
            grants = UNSET
        else:
            grants = ChannelTypeInputGrants.from_dict(_grants)

        channel_type_input = cls(
            blocklists=blocklists,
            features=features,
            grants=grants,
        )

        return channel_type_input
