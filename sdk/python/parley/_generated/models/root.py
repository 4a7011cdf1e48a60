from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.root_links import RootLinks


T = TypeVar("T", bound="Root")


@_attrs_define
class Root:
    """What answers at `/`: the server's name and version and where to go next.

    Attributes:
        links (RootLinks): Paths on this server, relative to its base URL.
        name (str): Always `Parley`.
        version (str): The server's version.
    """

    links: RootLinks
    name: str
    version: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        links = self.links.to_dict()

        name = self.name

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "links": links,
                "name": name,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.root_links import RootLinks

        d = dict(src_dict)
        links = RootLinks.from_dict(d.pop("links"))

        name = d.pop("name")

        version = d.pop("version")

        root = cls(
            links=links,
            name=name,
            version=version,
        )

        root.additional_properties = d
        return root

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
