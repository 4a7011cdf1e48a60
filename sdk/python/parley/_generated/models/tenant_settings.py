from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.before_send_hook import BeforeSendHook
    from ..models.oidc_issuer import OidcIssuer


T = TypeVar("T", bound="TenantSettings")


@_attrs_define
class TenantSettings:
    """Per-tenant settings, changed through `PATCH /v1/app`.

    Attributes:
        allowed_content_types (list[str] | None | Unset): Content types that may be uploaded, exact (`image/png`) or by
            family (`image/*`);
            unset: any.
        allowed_origins (list[str] | None | Unset): Web origins whose pages may call the API and open realtime
            connections with this
            app's keys (`https://app.example.com`, with a port when not the default), or `["*"]`
            for any. A request or handshake carrying an `Origin` not listed is refused with 403
            `origin_not_allowed`; unset, no browser origin is allowed. Requests without `Origin`
            (servers, mobile apps) are not affected.
        before_send (BeforeSendHook | None | Unset):
        max_message_length (int | None | Unset): Longest message text in characters; unset: the server default (5,000).
        max_upload_bytes (int | None | Unset): Largest upload in bytes; unset: the server default (100 MiB).
        oidc_issuers (list[OidcIssuer] | Unset): OpenID Connect issuers whose signed tokens (RS256, ES256, EdDSA…) users
            may connect
            with, beside the HS256 tokens the app signs itself. A token whose `iss` is one of these
            is verified with that issuer's published keys, never with the app's signing secret.
    """

    allowed_content_types: list[str] | None | Unset = UNSET
    allowed_origins: list[str] | None | Unset = UNSET
    before_send: BeforeSendHook | None | Unset = UNSET
    max_message_length: int | None | Unset = UNSET
    max_upload_bytes: int | None | Unset = UNSET
    oidc_issuers: list[OidcIssuer] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.before_send_hook import BeforeSendHook

        allowed_content_types: list[str] | None | Unset
        if isinstance(self.allowed_content_types, Unset):
            allowed_content_types = UNSET
        elif isinstance(self.allowed_content_types, list):
            allowed_content_types = self.allowed_content_types

        else:
            allowed_content_types = self.allowed_content_types

        allowed_origins: list[str] | None | Unset
        if isinstance(self.allowed_origins, Unset):
            allowed_origins = UNSET
        elif isinstance(self.allowed_origins, list):
            allowed_origins = self.allowed_origins

        else:
            allowed_origins = self.allowed_origins

        before_send: dict[str, Any] | None | Unset
        if isinstance(self.before_send, Unset):
            before_send = UNSET
        elif isinstance(self.before_send, BeforeSendHook):
            before_send = self.before_send.to_dict()
        else:
            before_send = self.before_send

        max_message_length: int | None | Unset
        if isinstance(self.max_message_length, Unset):
            max_message_length = UNSET
        else:
            max_message_length = self.max_message_length

        max_upload_bytes: int | None | Unset
        if isinstance(self.max_upload_bytes, Unset):
            max_upload_bytes = UNSET
        else:
            max_upload_bytes = self.max_upload_bytes

        oidc_issuers: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.oidc_issuers, Unset):
            oidc_issuers = []
            for oidc_issuers_item_data in self.oidc_issuers:
                oidc_issuers_item = oidc_issuers_item_data.to_dict()
                oidc_issuers.append(oidc_issuers_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if allowed_content_types is not UNSET:
            field_dict["allowed_content_types"] = allowed_content_types
        if allowed_origins is not UNSET:
            field_dict["allowed_origins"] = allowed_origins
        if before_send is not UNSET:
            field_dict["before_send"] = before_send
        if max_message_length is not UNSET:
            field_dict["max_message_length"] = max_message_length
        if max_upload_bytes is not UNSET:
            field_dict["max_upload_bytes"] = max_upload_bytes
        if oidc_issuers is not UNSET:
            field_dict["oidc_issuers"] = oidc_issuers

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.before_send_hook import BeforeSendHook
        from ..models.oidc_issuer import OidcIssuer

        d = dict(src_dict)

        def _parse_allowed_content_types(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                allowed_content_types_type_0 = cast(list[str], data)

                return allowed_content_types_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        allowed_content_types = _parse_allowed_content_types(
            d.pop("allowed_content_types", UNSET)
        )

        def _parse_allowed_origins(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                allowed_origins_type_0 = cast(list[str], data)

                return allowed_origins_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        allowed_origins = _parse_allowed_origins(d.pop("allowed_origins", UNSET))

        def _parse_before_send(data: object) -> BeforeSendHook | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                before_send_type_0 = BeforeSendHook.from_dict(data)

                return before_send_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BeforeSendHook | None | Unset, data)

        before_send = _parse_before_send(d.pop("before_send", UNSET))

        def _parse_max_message_length(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_message_length = _parse_max_message_length(
            d.pop("max_message_length", UNSET)
        )

        def _parse_max_upload_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_upload_bytes = _parse_max_upload_bytes(d.pop("max_upload_bytes", UNSET))

        _oidc_issuers = d.pop("oidc_issuers", UNSET)
        oidc_issuers: list[OidcIssuer] | Unset = UNSET
        if _oidc_issuers is not UNSET:
            oidc_issuers = []
            for oidc_issuers_item_data in _oidc_issuers:
                oidc_issuers_item = OidcIssuer.from_dict(oidc_issuers_item_data)

                oidc_issuers.append(oidc_issuers_item)

        tenant_settings = cls(
            allowed_content_types=allowed_content_types,
            allowed_origins=allowed_origins,
            before_send=before_send,
            max_message_length=max_message_length,
            max_upload_bytes=max_upload_bytes,
            oidc_issuers=oidc_issuers,
        )

        tenant_settings.additional_properties = d
        return tenant_settings

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
