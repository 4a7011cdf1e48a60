from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApnsInput")


@_attrs_define
class ApnsInput:
    """APNs credentials: a token-based (.p8) key.

    Attributes:
        bundle_id (str): The app's bundle id (the `apns-topic`).
        key_id (str): The key's 10-character id.
        p8_key (str): The contents of the `.p8` file (PEM, `-----BEGIN PRIVATE KEY-----`).
        team_id (str): The Apple developer team id.
        sandbox (bool | Unset): Send to Apple's sandbox (development builds) instead of production.
    """

    bundle_id: str
    key_id: str
    p8_key: str
    team_id: str
    sandbox: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        bundle_id = self.bundle_id

        key_id = self.key_id

        p8_key = self.p8_key

        team_id = self.team_id

        sandbox = self.sandbox

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "bundle_id": bundle_id,
                "key_id": key_id,
                "p8_key": p8_key,
                "team_id": team_id,
            }
        )
        if sandbox is not UNSET:
            field_dict["sandbox"] = sandbox

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bundle_id = d.pop("bundle_id")

        key_id = d.pop("key_id")

        p8_key = d.pop("p8_key")

        team_id = d.pop("team_id")

        sandbox = d.pop("sandbox", UNSET)

        apns_input = cls(
            bundle_id=bundle_id,
            key_id=key_id,
            p8_key=p8_key,
            team_id=team_id,
            sandbox=sandbox,
        )

        return apns_input
