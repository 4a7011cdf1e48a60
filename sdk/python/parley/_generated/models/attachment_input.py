from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.attachment_kind import AttachmentKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attachment_input_custom_type_0 import AttachmentInputCustomType0


T = TypeVar("T", bound="AttachmentInput")


@_attrs_define
class AttachmentInput:
    """An attachment as a client sends it: either `upload_id` (a completed upload: Parley fills in
    `type`, `content_type`, `filename`, `size` and signed URLs, and ignores those fields if sent
    back), or `type` and `url` for a file elsewhere. Other fields are refused; put app data in
    `custom`.

        Attributes:
            custom (AttachmentInputCustomType0 | None | Unset): App data, up to the tenant's custom data limit (8 KiB by
                default).
            height (int | None | Unset):
            mime_type (None | str | Unset): The MIME type of the file at `url`.
            size (int | None | Unset): Bytes.
            text (None | str | Unset): A description.
            thumb_url (None | str | Unset): A preview image, `http` or `https`.
            title (None | str | Unset):
            type_ (AttachmentKind | None | Unset):
            upload_id (None | str | Unset): A completed upload of this tenant (of the author, unless the tenant server
                sends).
            url (None | str | Unset): Required without `upload_id`: an `http` or `https` URL.
            width (int | None | Unset):
    """

    custom: AttachmentInputCustomType0 | None | Unset = UNSET
    height: int | None | Unset = UNSET
    mime_type: None | str | Unset = UNSET
    size: int | None | Unset = UNSET
    text: None | str | Unset = UNSET
    thumb_url: None | str | Unset = UNSET
    title: None | str | Unset = UNSET
    type_: AttachmentKind | None | Unset = UNSET
    upload_id: None | str | Unset = UNSET
    url: None | str | Unset = UNSET
    width: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.attachment_input_custom_type_0 import AttachmentInputCustomType0

        custom: dict[str, Any] | None | Unset
        if isinstance(self.custom, Unset):
            custom = UNSET
        elif isinstance(self.custom, AttachmentInputCustomType0):
            custom = self.custom.to_dict()
        else:
            custom = self.custom

        height: int | None | Unset
        if isinstance(self.height, Unset):
            height = UNSET
        else:
            height = self.height

        mime_type: None | str | Unset
        if isinstance(self.mime_type, Unset):
            mime_type = UNSET
        else:
            mime_type = self.mime_type

        size: int | None | Unset
        if isinstance(self.size, Unset):
            size = UNSET
        else:
            size = self.size

        text: None | str | Unset
        if isinstance(self.text, Unset):
            text = UNSET
        else:
            text = self.text

        thumb_url: None | str | Unset
        if isinstance(self.thumb_url, Unset):
            thumb_url = UNSET
        else:
            thumb_url = self.thumb_url

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        elif isinstance(self.type_, AttachmentKind):
            type_ = self.type_.value
        else:
            type_ = self.type_

        upload_id: None | str | Unset
        if isinstance(self.upload_id, Unset):
            upload_id = UNSET
        else:
            upload_id = self.upload_id

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        width: int | None | Unset
        if isinstance(self.width, Unset):
            width = UNSET
        else:
            width = self.width

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if custom is not UNSET:
            field_dict["custom"] = custom
        if height is not UNSET:
            field_dict["height"] = height
        if mime_type is not UNSET:
            field_dict["mime_type"] = mime_type
        if size is not UNSET:
            field_dict["size"] = size
        if text is not UNSET:
            field_dict["text"] = text
        if thumb_url is not UNSET:
            field_dict["thumb_url"] = thumb_url
        if title is not UNSET:
            field_dict["title"] = title
        if type_ is not UNSET:
            field_dict["type"] = type_
        if upload_id is not UNSET:
            field_dict["upload_id"] = upload_id
        if url is not UNSET:
            field_dict["url"] = url
        if width is not UNSET:
            field_dict["width"] = width

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.attachment_input_custom_type_0 import AttachmentInputCustomType0

        d = dict(src_dict)

        def _parse_custom(data: object) -> AttachmentInputCustomType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                custom_type_0 = AttachmentInputCustomType0.from_dict(data)

                return custom_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AttachmentInputCustomType0 | None | Unset, data)

        custom = _parse_custom(d.pop("custom", UNSET))

        def _parse_height(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        height = _parse_height(d.pop("height", UNSET))

        def _parse_mime_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        mime_type = _parse_mime_type(d.pop("mime_type", UNSET))

        def _parse_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        size = _parse_size(d.pop("size", UNSET))

        def _parse_text(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        text = _parse_text(d.pop("text", UNSET))

        def _parse_thumb_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        thumb_url = _parse_thumb_url(d.pop("thumb_url", UNSET))

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        def _parse_type_(data: object) -> AttachmentKind | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_0 = AttachmentKind(data)

                return type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AttachmentKind | None | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        def _parse_upload_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        upload_id = _parse_upload_id(d.pop("upload_id", UNSET))

        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))

        def _parse_width(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        width = _parse_width(d.pop("width", UNSET))

        attachment_input = cls(
            custom=custom,
            height=height,
            mime_type=mime_type,
            size=size,
            text=text,
            thumb_url=thumb_url,
            title=title,
            type_=type_,
            upload_id=upload_id,
            url=url,
            width=width,
        )

        attachment_input.additional_properties = d
        return attachment_input

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
