from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.tenant import Tenant


T = TypeVar("T", bound="CreatedTenant")


@_attrs_define
class CreatedTenant:
    """The answer to creating a tenant: the keys and the signing secret are shown this once.

    Attributes:
        publishable_key (str): For apps and browsers, with a user token.
        secret_key (str): For the tenant's servers only.
        signing_secret (str): HS256 secret for minting user tokens without calling `POST /v1/tokens`.
        tenant (Tenant): A tenant as the operator sees it.
    """

    publishable_key: str
    secret_key: str
    signing_secret: str
    tenant: Tenant
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        publishable_key = self.publishable_key

        secret_key = self.secret_key

        signing_secret = self.signing_secret

        tenant = self.tenant.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "publishable_key": publishable_key,
                "secret_key": secret_key,
                "signing_secret": signing_secret,
                "tenant": tenant,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.tenant import Tenant

        d = dict(src_dict)
        publishable_key = d.pop("publishable_key")

        secret_key = d.pop("secret_key")

        signing_secret = d.pop("signing_secret")

        tenant = Tenant.from_dict(d.pop("tenant"))

        created_tenant = cls(
            publishable_key=publishable_key,
            secret_key=secret_key,
            signing_secret=signing_secret,
            tenant=tenant,
        )

        created_tenant.additional_properties = d
        return created_tenant

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
