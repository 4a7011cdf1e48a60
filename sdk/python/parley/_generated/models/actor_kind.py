from enum import StrEnum


class ActorKind(StrEnum):
    OPERATOR = "operator"
    SERVER = "server"
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)
