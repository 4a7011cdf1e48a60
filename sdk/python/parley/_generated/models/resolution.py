from enum import StrEnum


class Resolution(StrEnum):
    BAN_USER = "ban_user"
    DELETE_MESSAGE = "delete_message"
    DISMISS = "dismiss"
    SHADOW_BAN = "shadow_ban"

    def __str__(self) -> str:
        return str(self.value)
