from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="NewBan")


@_attrs_define
class NewBan:
    """The body of a ban.

    Attributes:
        banned_by (None | str | Unset): For the tenant server: the moderator banning, recorded as `created_by`.
        expires_at (datetime.datetime | None | Unset): When the ban lifts by itself; must be in the future. Give this or
            `timeout_s`, or
            neither for a ban until lifted.
        reason (None | str | Unset): Shown to the banned user; at most 500 characters.
        shadow (bool | Unset): A shadow ban: the user is not told, and may go on posting and connecting, but their
            messages are stored as `shadowed` and shown to them alone.
        timeout_s (int | None | Unset): Seconds until the ban lifts by itself (1 to 31,536,000: a year).
        user_id (None | str | Unset): The user to ban (channel bans; an app-wide ban names the user in the path).
    """

    banned_by: None | str | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    reason: None | str | Unset = UNSET
    shadow: bool | Unset = UNSET
    timeout_s: int | None | Unset = UNSET
    user_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        banned_by: None | str | Unset
        if isinstance(self.banned_by, Unset):
            banned_by = UNSET
        else:
            banned_by = self.banned_by

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        shadow = self.shadow

        timeout_s: int | None | Unset
        if isinstance(self.timeout_s, Unset):
            timeout_s = UNSET
        else:
            timeout_s = self.timeout_s

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if banned_by is not UNSET:
            field_dict["banned_by"] = banned_by
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if reason is not UNSET:
            field_dict["reason"] = reason
        if shadow is not UNSET:
            field_dict["shadow"] = shadow
        if timeout_s is not UNSET:
            field_dict["timeout_s"] = timeout_s
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_banned_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        banned_by = _parse_banned_by(d.pop("banned_by", UNSET))

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        shadow = d.pop("shadow", UNSET)

        def _parse_timeout_s(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        timeout_s = _parse_timeout_s(d.pop("timeout_s", UNSET))

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        new_ban = cls(
            banned_by=banned_by,
            expires_at=expires_at,
            reason=reason,
            shadow=shadow,
            timeout_s=timeout_s,
            user_id=user_id,
        )

        return new_ban
