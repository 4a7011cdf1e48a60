from enum import StrEnum


class JobStatus(StrEnum):
    DEAD = "dead"
    DONE = "done"
    PENDING = "pending"
    RUNNING = "running"

    def __str__(self) -> str:
        return str(self.value)
