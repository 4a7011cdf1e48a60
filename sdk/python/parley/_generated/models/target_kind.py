from enum import StrEnum


class TargetKind(StrEnum):
    BLOCKLIST = "blocklist"
    CHANNEL = "channel"
    CHANNEL_TYPE = "channel_type"
    FLAG = "flag"
    KEY = "key"
    MESSAGE = "message"
    TENANT = "tenant"
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)
