from enum import StrEnum


class ListChannelsSort(StrEnum):
    VALUE_0 = "-last_message_at"
    VALUE_1 = "-created_at"

    def __str__(self) -> str:
        return str(self.value)
