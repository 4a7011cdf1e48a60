from enum import StrEnum


class NewWebhookEventTypesItem(StrEnum):
    CHANNEL = "channel.*"
    CHANNEL_CREATED = "channel.created"
    CHANNEL_DELETED = "channel.deleted"
    CHANNEL_UPDATED = "channel.updated"
    MEMBER = "member.*"
    MEMBER_ADDED = "member.added"
    MEMBER_REMOVED = "member.removed"
    MEMBER_UPDATED = "member.updated"
    MESSAGE = "message.*"
    MESSAGE_DELETED = "message.deleted"
    MESSAGE_NEW = "message.new"
    MESSAGE_UPDATED = "message.updated"
    REACTION = "reaction.*"
    REACTION_DELETED = "reaction.deleted"
    REACTION_NEW = "reaction.new"
    READ = "read.*"
    READ_UPDATED = "read.updated"

    def __str__(self) -> str:
        return str(self.value)
