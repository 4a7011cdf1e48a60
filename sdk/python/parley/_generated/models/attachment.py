from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Attachment")


@_attrs_define
class Attachment:
    """A completed upload as messages carry it in `attachments`. URLs are signed and short-lived;
    fetch the message or `GET /v1/uploads/{upload_id}` again for fresh ones.

        Attributes:
            content_type (str):
            filename (str):
            size (int):
            type_ (str): `image`, `video`, `audio` or `file`.
            upload_id (str):
            height (int | None | Unset):
            thumb_height (int | None | Unset):
            thumb_url (None | str | Unset): Images: a signed URL of a thumbnail at most 320 pixels on its long side.
            thumb_width (int | None | Unset):
            thumbnail_status (None | str | Unset): Images: `pending`, `done` or `failed` (the file could not be decoded).
            url (None | str | Unset): Signed download URL.
            url_expires_at (datetime.datetime | None | Unset): When `url` and `thumb_url` stop working.
            width (int | None | Unset): Images: pixels, after applying the EXIF orientation.
    """

    content_type: str
    filename: str
    size: int
    type_: str
    upload_id: str
    height: int | None | Unset = UNSET
    thumb_height: int | None | Unset = UNSET
    thumb_url: None | str | Unset = UNSET
    thumb_width: int | None | Unset = UNSET
    thumbnail_status: None | str | Unset = UNSET
    url: None | str | Unset = UNSET
    url_expires_at: datetime.datetime | None | Unset = UNSET
    width: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content_type = self.content_type

        filename = self.filename

        size = self.size

        type_ = self.type_

        upload_id = self.upload_id

        height: int | None | Unset
        if isinstance(self.height, Unset):
            height = UNSET
        else:
            height = self.height

        thumb_height: int | None | Unset
        if isinstance(self.thumb_height, Unset):
            thumb_height = UNSET
        else:
            thumb_height = self.thumb_height

        thumb_url: None | str | Unset
        if isinstance(self.thumb_url, Unset):
            thumb_url = UNSET
        else:
            thumb_url = self.thumb_url

        thumb_width: int | None | Unset
        if isinstance(self.thumb_width, Unset):
            thumb_width = UNSET
        else:
            thumb_width = self.thumb_width

        thumbnail_status: None | str | Unset
        if isinstance(self.thumbnail_status, Unset):
            thumbnail_status = UNSET
        else:
            thumbnail_status = self.thumbnail_status

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        url_expires_at: None | str | Unset
        if isinstance(self.url_expires_at, Unset):
            url_expires_at = UNSET
        elif isinstance(self.url_expires_at, datetime.datetime):
            url_expires_at = self.url_expires_at.isoformat()
        else:
            url_expires_at = self.url_expires_at

        width: int | None | Unset
        if isinstance(self.width, Unset):
            width = UNSET
        else:
            width = self.width

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "content_type": content_type,
                "filename": filename,
                "size": size,
                "type": type_,
                "upload_id": upload_id,
            }
        )
        if height is not UNSET:
            field_dict["height"] = height
        if thumb_height is not UNSET:
            field_dict["thumb_height"] = thumb_height
        if thumb_url is not UNSET:
            field_dict["thumb_url"] = thumb_url
        if thumb_width is not UNSET:
            field_dict["thumb_width"] = thumb_width
        if thumbnail_status is not UNSET:
            field_dict["thumbnail_status"] = thumbnail_status
        if url is not UNSET:
            field_dict["url"] = url
        if url_expires_at is not UNSET:
            field_dict["url_expires_at"] = url_expires_at
        if width is not UNSET:
            field_dict["width"] = width

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        content_type = d.pop("content_type")

        filename = d.pop("filename")

        size = d.pop("size")

        type_ = d.pop("type")

        upload_id = d.pop("upload_id")

        def _parse_height(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        height = _parse_height(d.pop("height", UNSET))

        def _parse_thumb_height(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        thumb_height = _parse_thumb_height(d.pop("thumb_height", UNSET))

        def _parse_thumb_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        thumb_url = _parse_thumb_url(d.pop("thumb_url", UNSET))

        def _parse_thumb_width(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        thumb_width = _parse_thumb_width(d.pop("thumb_width", UNSET))

        def _parse_thumbnail_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        thumbnail_status = _parse_thumbnail_status(d.pop("thumbnail_status", UNSET))

        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))

        def _parse_url_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                url_expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return url_expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        url_expires_at = _parse_url_expires_at(d.pop("url_expires_at", UNSET))

        def _parse_width(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        width = _parse_width(d.pop("width", UNSET))

        attachment = cls(
            content_type=content_type,
            filename=filename,
            size=size,
            type_=type_,
            upload_id=upload_id,
            height=height,
            thumb_height=thumb_height,
            thumb_url=thumb_url,
            thumb_width=thumb_width,
            thumbnail_status=thumbnail_status,
            url=url,
            url_expires_at=url_expires_at,
            width=width,
        )

        attachment.additional_properties = d
        return attachment

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
