from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.created_upload_headers import CreatedUploadHeaders


T = TypeVar("T", bound="CreatedUpload")


@_attrs_define
class CreatedUpload:
    """Where and how to send the bytes: `PUT put_url` with exactly `headers`, before `expires_at`.

    Attributes:
        expires_at (datetime.datetime):
        headers (CreatedUploadHeaders): Headers the PUT must carry exactly (the URL's signature covers them).
        put_url (str):
        upload_id (str):
    """

    expires_at: datetime.datetime
    headers: CreatedUploadHeaders
    put_url: str
    upload_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        expires_at = self.expires_at.isoformat()

        headers = self.headers.to_dict()

        put_url = self.put_url

        upload_id = self.upload_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "expires_at": expires_at,
                "headers": headers,
                "put_url": put_url,
                "upload_id": upload_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.created_upload_headers import CreatedUploadHeaders

        d = dict(src_dict)
        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        headers = CreatedUploadHeaders.from_dict(d.pop("headers"))

        put_url = d.pop("put_url")

        upload_id = d.pop("upload_id")

        created_upload = cls(
            expires_at=expires_at,
            headers=headers,
            put_url=put_url,
            upload_id=upload_id,
        )

        created_upload.additional_properties = d
        return created_upload

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
