from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.tenant_settings import TenantSettings


T = TypeVar("T", bound="Tenant")


@_attrs_define
class Tenant:
    """A tenant as the operator sees it.

    Attributes:
        created_at (datetime.datetime):
        disabled (bool):
        id (str):
        name (str):
        settings (TenantSettings): Per-tenant settings, changed through `PATCH /v1/app`.
        updated_at (datetime.datetime):
    """

    created_at: datetime.datetime
    disabled: bool
    id: str
    name: str
    settings: TenantSettings
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        disabled = self.disabled

        id = self.id

        name = self.name

        settings = self.settings.to_dict()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "disabled": disabled,
                "id": id,
                "name": name,
                "settings": settings,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.tenant_settings import TenantSettings

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        disabled = d.pop("disabled")

        id = d.pop("id")

        name = d.pop("name")

        settings = TenantSettings.from_dict(d.pop("settings"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        tenant = cls(
            created_at=created_at,
            disabled=disabled,
            id=id,
            name=name,
            settings=settings,
            updated_at=updated_at,
        )

        tenant.additional_properties = d
        return tenant

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
