from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="OidcIssuer")


@_attrs_define
class OidcIssuer:
    """An identity provider the app trusts (`settings.oidc_issuers[]` of the app). Its keys are
    found through `{issuer}/.well-known/openid-configuration` when a token first needs them.

        Attributes:
            audience (str): What the tokens must carry in `aud`: the client id the app has at the issuer.
            issuer (str): The issuer exactly as its tokens carry it in `iss` (`https://login.example.com`):
                https, no query or fragment.
            name_claim (None | str | Unset): A claim whose value becomes the name of a user created by their first token
                (`name`,
                `preferred_username`…).
            user_id_claim (str | Unset): The claim whose value becomes the Parley user id (default `sub`); it must follow
                the
                user id rules, or the token is refused.
    """

    audience: str
    issuer: str
    name_claim: None | str | Unset = UNSET
    user_id_claim: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        audience = self.audience

        issuer = self.issuer

        name_claim: None | str | Unset
        if isinstance(self.name_claim, Unset):
            name_claim = UNSET
        else:
            name_claim = self.name_claim

        user_id_claim = self.user_id_claim

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "audience": audience,
                "issuer": issuer,
            }
        )
        if name_claim is not UNSET:
            field_dict["name_claim"] = name_claim
        if user_id_claim is not UNSET:
            field_dict["user_id_claim"] = user_id_claim

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        audience = d.pop("audience")

        issuer = d.pop("issuer")

        def _parse_name_claim(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name_claim = _parse_name_claim(d.pop("name_claim", UNSET))

        user_id_claim = d.pop("user_id_claim", UNSET)

        oidc_issuer = cls(
            audience=audience,
            issuer=issuer,
            name_claim=name_claim,
            user_id_claim=user_id_claim,
        )

        return oidc_issuer
