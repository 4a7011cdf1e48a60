from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.channel_patch_custom_type_0 import ChannelPatchCustomType0


T = TypeVar("T", bound="ChannelPatch")


@_attrs_define
class ChannelPatch:
    """
    Attributes:
        custom (ChannelPatchCustomType0 | None | Unset):
        frozen (bool | None | Unset): A frozen channel accepts no new messages or reactions, except from the tenant
            server and admins.
        name (None | str | Unset):
        slow_mode_s (int | None | Unset): Slow mode: seconds a member waits between their messages, 0 to turn it off (at
            most
            3,600). Those granted `skip_slow_mode` (owners, moderators) are not held back.
    """

    custom: ChannelPatchCustomType0 | None | Unset = UNSET
    frozen: bool | None | Unset = UNSET
    name: None | str | Unset = UNSET
    slow_mode_s: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.channel_patch_custom_type_0 import ChannelPatchCustomType0

        custom: dict[str, Any] | None | Unset
        if isinstance(self.custom, Unset):
            custom = UNSET
        elif isinstance(self.custom, ChannelPatchCustomType0):
            custom = self.custom.to_dict()
        else:
            custom = self.custom

        frozen: bool | None | Unset
        if isinstance(self.frozen, Unset):
            frozen = UNSET
        else:
            frozen = self.frozen

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        slow_mode_s: int | None | Unset
        if isinstance(self.slow_mode_s, Unset):
            slow_mode_s = UNSET
        else:
            slow_mode_s = self.slow_mode_s

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if custom is not UNSET:
            field_dict["custom"] = custom
        if frozen is not UNSET:
            field_dict["frozen"] = frozen
        if name is not UNSET:
            field_dict["name"] = name
        if slow_mode_s is not UNSET:
            field_dict["slow_mode_s"] = slow_mode_s

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.channel_patch_custom_type_0 import ChannelPatchCustomType0

        d = dict(src_dict)

        def _parse_custom(data: object) -> ChannelPatchCustomType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                custom_type_0 = ChannelPatchCustomType0.from_dict(data)

                return custom_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChannelPatchCustomType0 | None | Unset, data)

        custom = _parse_custom(d.pop("custom", UNSET))

        def _parse_frozen(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        frozen = _parse_frozen(d.pop("frozen", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_slow_mode_s(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        slow_mode_s = _parse_slow_mode_s(d.pop("slow_mode_s", UNSET))

        channel_patch = cls(
            custom=custom,
            frozen=frozen,
            name=name,
            slow_mode_s=slow_mode_s,
        )

        return channel_patch
