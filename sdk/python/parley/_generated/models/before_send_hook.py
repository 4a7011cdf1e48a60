from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="BeforeSendHook")


@_attrs_define
class BeforeSendHook:
    """Settings of the before-send hook (`settings.before_send` of the app).

    Attributes:
        url (str): Called with a POST for every new message.
        fail_open (bool | Unset): When the hook fails or times out: true stores the message anyway (default), false
            refuses it with 503.
        timeout_ms (int | Unset): Time limit of the call, in milliseconds (default 2,000; at most 10,000).
    """

    url: str
    fail_open: bool | Unset = UNSET
    timeout_ms: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        fail_open = self.fail_open

        timeout_ms = self.timeout_ms

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
            }
        )
        if fail_open is not UNSET:
            field_dict["fail_open"] = fail_open
        if timeout_ms is not UNSET:
            field_dict["timeout_ms"] = timeout_ms

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        url = d.pop("url")

        fail_open = d.pop("fail_open", UNSET)

        timeout_ms = d.pop("timeout_ms", UNSET)

        before_send_hook = cls(
            url=url,
            fail_open=fail_open,
            timeout_ms=timeout_ms,
        )

        return before_send_hook
