from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="NewUpload")


@_attrs_define
class NewUpload:
    """The body of `POST /v1/uploads`.

    Attributes:
        content_type (str): The media type the client will send as `Content-Type`, e.g. `image/png`.
        filename (str): The file's name, shown to other users (a path is cut to its last part, which must
            have 1 to 255 characters besides surrounding spaces, no control characters, and not
            be `.` or `..`).
        size (int): The exact size in bytes.
        user_id (None | str | Unset): With the secret key: the user who uploads (unset: the tenant server itself).
    """

    content_type: str
    filename: str
    size: int
    user_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        content_type = self.content_type

        filename = self.filename

        size = self.size

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "content_type": content_type,
                "filename": filename,
                "size": size,
            }
        )
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        content_type = d.pop("content_type")

        filename = d.pop("filename")

        size = d.pop("size")

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        new_upload = cls(
            content_type=content_type,
            filename=filename,
            size=size,
            user_id=user_id,
        )

        return new_upload
