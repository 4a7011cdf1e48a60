from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.resolution import Resolution
from ..types import UNSET, Unset

T = TypeVar("T", bound="Resolve")


@_attrs_define
class Resolve:
    """The body of a resolve.

    Attributes:
        action (Resolution): A moderator's decision on a flag.
        reason (None | str | Unset): For `ban_user`: the ban's reason, shown to the user.
        timeout_s (int | None | Unset): For `ban_user`: seconds until the ban lifts (none: until lifted).
    """

    action: Resolution
    reason: None | str | Unset = UNSET
    timeout_s: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        timeout_s: int | None | Unset
        if isinstance(self.timeout_s, Unset):
            timeout_s = UNSET
        else:
            timeout_s = self.timeout_s

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "action": action,
            }
        )
        if reason is not UNSET:
            field_dict["reason"] = reason
        if timeout_s is not UNSET:
            field_dict["timeout_s"] = timeout_s

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        action = Resolution(d.pop("action"))

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        def _parse_timeout_s(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        timeout_s = _parse_timeout_s(d.pop("timeout_s", UNSET))

        resolve = cls(
            action=action,
            reason=reason,
            timeout_s=timeout_s,
        )

        return resolve
