from enum import StrEnum


class ListBansScope(StrEnum):
    APP = "app"

    def __str__(self) -> str:
        return str(self.value)
