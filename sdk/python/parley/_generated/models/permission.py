from enum import StrEnum


class Permission(StrEnum):
    ADD_MEMBERS = "add_members"
    APPOINT_OWNERS = "appoint_owners"
    BAN_CHANNEL_MEMBER = "ban_channel_member"
    CREATE_CHANNEL = "create_channel"
    DELETE_ANY_MESSAGE = "delete_any_message"
    DELETE_CHANNEL = "delete_channel"
    DELETE_OWN_MESSAGE = "delete_own_message"
    EDIT_ANY_MESSAGE = "edit_any_message"
    EDIT_OWN_MESSAGE = "edit_own_message"
    FLAG = "flag"
    JOIN_CHANNEL = "join_channel"
    LEAVE_CHANNEL = "leave_channel"
    MENTION_NON_MEMBERS = "mention_non_members"
    PIN_MESSAGE = "pin_message"
    REACT = "react"
    READ_CHANNEL = "read_channel"
    REMOVE_MEMBERS = "remove_members"
    SEND_MESSAGE = "send_message"
    SEND_REPLY = "send_reply"
    SEND_TYPING_EVENTS = "send_typing_events"
    SKIP_SLOW_MODE = "skip_slow_mode"
    UPDATE_CHANNEL = "update_channel"
    UPLOAD_FILE = "upload_file"

    def __str__(self) -> str:
        return str(self.value)
