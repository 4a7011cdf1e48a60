from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RootLinks")


@_attrs_define
class RootLinks:
    """Paths on this server, relative to its base URL.

    Attributes:
        docs (str): The API documentation (Swagger UI).
        healthz (str): Liveness probe.
        openapi (str): The OpenAPI document.
        readyz (str): Readiness probe.
    """

    docs: str
    healthz: str
    openapi: str
    readyz: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        docs = self.docs

        healthz = self.healthz

        openapi = self.openapi

        readyz = self.readyz

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "docs": docs,
                "healthz": healthz,
                "openapi": openapi,
                "readyz": readyz,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        docs = d.pop("docs")

        healthz = d.pop("healthz")

        openapi = d.pop("openapi")

        readyz = d.pop("readyz")

        root_links = cls(
            docs=docs,
            healthz=healthz,
            openapi=openapi,
            readyz=readyz,
        )

        root_links.additional_properties = d
        return root_links

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
