from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.exported_ban import ExportedBan
    from ..models.exported_device import ExportedDevice
    from ..models.exported_flag import ExportedFlag
    from ..models.exported_membership import ExportedMembership
    from ..models.exported_message import ExportedMessage
    from ..models.exported_mute import ExportedMute
    from ..models.exported_reaction import ExportedReaction
    from ..models.exported_user import ExportedUser
    from ..models.upload import Upload


T = TypeVar("T", bound="UserExport")


@_attrs_define
class UserExport:
    """The export document as `GET /v1/users/{user_id}/export` sends it. It is written part by
    part in this order rather than built whole; this type describes its shape.

        Attributes:
            bans (list[ExportedBan]): Bans of the user, in force or expired, app-wide and per channel.
            blocks (list[ExportedMute]): Users this user blocked.
            devices (list[ExportedDevice]): Push devices, with their tokens.
            exported_at (datetime.datetime):
            flags (list[ExportedFlag]): Reports the user made.
            memberships (list[ExportedMembership]): The channels the user is a member of, with their role and read state.
            messages (list[ExportedMessage]): Every message the user wrote, in id order; deleted ones as the tombstones
                stored
                (`deleted: true`, content erased).
            mutes (list[ExportedMute]): Users this user muted.
            reactions (list[ExportedReaction]):
            uploads (list[Upload]): Files the user uploaded, with fresh signed download URLs (`get_url`).
            user (ExportedUser): The user's profile, with what the API keeps besides (`last_active_at`).
    """

    bans: list[ExportedBan]
    blocks: list[ExportedMute]
    devices: list[ExportedDevice]
    exported_at: datetime.datetime
    flags: list[ExportedFlag]
    memberships: list[ExportedMembership]
    messages: list[ExportedMessage]
    mutes: list[ExportedMute]
    reactions: list[ExportedReaction]
    uploads: list[Upload]
    user: ExportedUser
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bans = []
        for bans_item_data in self.bans:
            bans_item = bans_item_data.to_dict()
            bans.append(bans_item)

        blocks = []
        for blocks_item_data in self.blocks:
            blocks_item = blocks_item_data.to_dict()
            blocks.append(blocks_item)

        devices = []
        for devices_item_data in self.devices:
            devices_item = devices_item_data.to_dict()
            devices.append(devices_item)

        exported_at = self.exported_at.isoformat()

        flags = []
        for flags_item_data in self.flags:
            flags_item = flags_item_data.to_dict()
            flags.append(flags_item)

        memberships = []
        for memberships_item_data in self.memberships:
            memberships_item = memberships_item_data.to_dict()
            memberships.append(memberships_item)

        messages = []
        for messages_item_data in self.messages:
            messages_item = messages_item_data.to_dict()
            messages.append(messages_item)

        mutes = []
        for mutes_item_data in self.mutes:
            mutes_item = mutes_item_data.to_dict()
            mutes.append(mutes_item)

        reactions = []
        for reactions_item_data in self.reactions:
            reactions_item = reactions_item_data.to_dict()
            reactions.append(reactions_item)

        uploads = []
        for uploads_item_data in self.uploads:
            uploads_item = uploads_item_data.to_dict()
            uploads.append(uploads_item)

        user = self.user.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bans": bans,
                "blocks": blocks,
                "devices": devices,
                "exported_at": exported_at,
                "flags": flags,
                "memberships": memberships,
                "messages": messages,
                "mutes": mutes,
                "reactions": reactions,
                "uploads": uploads,
                "user": user,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.exported_ban import ExportedBan
        from ..models.exported_device import ExportedDevice
        from ..models.exported_flag import ExportedFlag
        from ..models.exported_membership import ExportedMembership
        from ..models.exported_message import ExportedMessage
        from ..models.exported_mute import ExportedMute
        from ..models.exported_reaction import ExportedReaction
        from ..models.exported_user import ExportedUser
        from ..models.upload import Upload

        d = dict(src_dict)
        bans = []
        _bans = d.pop("bans")
        for bans_item_data in _bans:
            bans_item = ExportedBan.from_dict(bans_item_data)

            bans.append(bans_item)

        blocks = []
        _blocks = d.pop("blocks")
        for blocks_item_data in _blocks:
            blocks_item = ExportedMute.from_dict(blocks_item_data)

            blocks.append(blocks_item)

        devices = []
        _devices = d.pop("devices")
        for devices_item_data in _devices:
            devices_item = ExportedDevice.from_dict(devices_item_data)

            devices.append(devices_item)

        exported_at = datetime.datetime.fromisoformat(d.pop("exported_at"))

        flags = []
        _flags = d.pop("flags")
        for flags_item_data in _flags:
            flags_item = ExportedFlag.from_dict(flags_item_data)

            flags.append(flags_item)

        memberships = []
        _memberships = d.pop("memberships")
        for memberships_item_data in _memberships:
            memberships_item = ExportedMembership.from_dict(memberships_item_data)

            memberships.append(memberships_item)

        messages = []
        _messages = d.pop("messages")
        for messages_item_data in _messages:
            messages_item = ExportedMessage.from_dict(messages_item_data)

            messages.append(messages_item)

        mutes = []
        _mutes = d.pop("mutes")
        for mutes_item_data in _mutes:
            mutes_item = ExportedMute.from_dict(mutes_item_data)

            mutes.append(mutes_item)

        reactions = []
        _reactions = d.pop("reactions")
        for reactions_item_data in _reactions:
            reactions_item = ExportedReaction.from_dict(reactions_item_data)

            reactions.append(reactions_item)

        uploads = []
        _uploads = d.pop("uploads")
        for uploads_item_data in _uploads:
            uploads_item = Upload.from_dict(uploads_item_data)

            uploads.append(uploads_item)

        user = ExportedUser.from_dict(d.pop("user"))

        user_export = cls(
            bans=bans,
            blocks=blocks,
            devices=devices,
            exported_at=exported_at,
            flags=flags,
            memberships=memberships,
            messages=messages,
            mutes=mutes,
            reactions=reactions,
            uploads=uploads,
            user=user,
        )

        user_export.additional_properties = d
        return user_export

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
