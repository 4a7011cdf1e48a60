from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.user_role import UserRole
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_input_custom_type_0 import UserInputCustomType0


T = TypeVar("T", bound="UserInput")


@_attrs_define
class UserInput:
    """The body of `PUT /v1/users/{user_id}` (create or replace) and `PATCH` (change some fields).

    Attributes:
        custom (None | Unset | UserInputCustomType0):
        image (None | str | Unset):
        name (None | str | Unset):
        role (None | Unset | UserRole):
    """

    custom: None | Unset | UserInputCustomType0 = UNSET
    image: None | str | Unset = UNSET
    name: None | str | Unset = UNSET
    role: None | Unset | UserRole = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.user_input_custom_type_0 import UserInputCustomType0

        custom: dict[str, Any] | None | Unset
        if isinstance(self.custom, Unset):
            custom = UNSET
        elif isinstance(self.custom, UserInputCustomType0):
            custom = self.custom.to_dict()
        else:
            custom = self.custom

        image: None | str | Unset
        if isinstance(self.image, Unset):
            image = UNSET
        else:
            image = self.image

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        role: None | str | Unset
        if isinstance(self.role, Unset):
            role = UNSET
        elif isinstance(self.role, UserRole):
            role = self.role.value
        else:
            role = self.role

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if custom is not UNSET:
            field_dict["custom"] = custom
        if image is not UNSET:
            field_dict["image"] = image
        if name is not UNSET:
            field_dict["name"] = name
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.user_input_custom_type_0 import UserInputCustomType0

        d = dict(src_dict)

        def _parse_custom(data: object) -> None | Unset | UserInputCustomType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                custom_type_0 = UserInputCustomType0.from_dict(data)

                return custom_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UserInputCustomType0, data)

        custom = _parse_custom(d.pop("custom", UNSET))

        def _parse_image(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        image = _parse_image(d.pop("image", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_role(data: object) -> None | Unset | UserRole:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_0 = UserRole(data)

                return role_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UserRole, data)

        role = _parse_role(d.pop("role", UNSET))

        user_input = cls(
            custom=custom,
            image=image,
            name=name,
            role=role,
        )

        return user_input
