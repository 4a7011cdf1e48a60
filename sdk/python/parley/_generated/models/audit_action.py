from enum import StrEnum


class AuditAction(StrEnum):
    APP_UPDATED = "app.updated"
    BLOCKLIST_DELETED = "blocklist.deleted"
    BLOCKLIST_UPDATED = "blocklist.updated"
    CHANNEL_DELETED = "channel.deleted"
    CHANNEL_MODERATED = "channel.moderated"
    CHANNEL_TYPE_DELETED = "channel_type.deleted"
    CHANNEL_TYPE_UPDATED = "channel_type.updated"
    FLAG_CREATED = "flag.created"
    FLAG_RESOLVED = "flag.resolved"
    KEY_CREATED = "key.created"
    KEY_REVOKED = "key.revoked"
    MESSAGE_DELETED = "message.deleted"
    TENANT_CREATED = "tenant.created"
    TENANT_DELETED = "tenant.deleted"
    TENANT_UPDATED = "tenant.updated"
    USER_BANNED = "user.banned"
    USER_DELETED = "user.deleted"
    USER_EXPORTED = "user.exported"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_UNBANNED = "user.unbanned"

    def __str__(self) -> str:
        return str(self.value)
