"""Contains all the data models used in inputs/outputs"""

from .actor_kind import ActorKind
from .add_members import AddMembers
from .api_key import ApiKey
from .apns_info import ApnsInfo
from .apns_input import ApnsInput
from .app import App
from .app_patch import AppPatch
from .attachment import Attachment
from .attachment_input import AttachmentInput
from .attachment_input_custom_type_0 import AttachmentInputCustomType0
from .attachment_kind import AttachmentKind
from .attempt import Attempt
from .audit_action import AuditAction
from .audit_actor import AuditActor
from .audit_entry import AuditEntry
from .audit_entry_details import AuditEntryDetails
from .audit_target import AuditTarget
from .ban import Ban
from .before_send_hook import BeforeSendHook
from .block import Block
from .blocklist import Blocklist
from .blocklist_action import BlocklistAction
from .blocklist_input import BlocklistInput
from .blocklist_rule import BlocklistRule
from .channel import Channel
from .channel_custom import ChannelCustom
from .channel_patch import ChannelPatch
from .channel_patch_custom_type_0 import ChannelPatchCustomType0
from .channel_type_input import ChannelTypeInput
from .channel_type_input_grants import ChannelTypeInputGrants
from .channel_type_view import ChannelTypeView
from .channel_type_view_grants import ChannelTypeViewGrants
from .channel_unread import ChannelUnread
from .created_key import CreatedKey
from .created_tenant import CreatedTenant
from .created_upload import CreatedUpload
from .created_upload_headers import CreatedUploadHeaders
from .delete_user_messages import DeleteUserMessages
from .delete_user_mode import DeleteUserMode
from .delivery import Delivery
from .delivery_status import DeliveryStatus
from .device import Device
from .device_result import DeviceResult
from .exported_ban import ExportedBan
from .exported_device import ExportedDevice
from .exported_flag import ExportedFlag
from .exported_membership import ExportedMembership
from .exported_message import ExportedMessage
from .exported_message_attachments_item import ExportedMessageAttachmentsItem
from .exported_message_custom import ExportedMessageCustom
from .exported_mute import ExportedMute
from .exported_reaction import ExportedReaction
from .exported_user import ExportedUser
from .fcm_info import FcmInfo
from .fcm_input import FcmInput
from .fcm_input_service_account import FcmInputServiceAccount
from .features import Features
from .features_patch import FeaturesPatch
from .flag import Flag
from .flag_status import FlagStatus
from .health import Health
from .job import Job
from .job_detail import JobDetail
from .job_status import JobStatus
from .key_kind import KeyKind
from .list_bans_scope import ListBansScope
from .list_channels_sort import ListChannelsSort
from .mark_read import MarkRead
from .member import Member
from .member_patch import MemberPatch
from .member_role import MemberRole
from .message import Message
from .message_attachments_item import MessageAttachmentsItem
from .message_custom import MessageCustom
from .message_patch import MessagePatch
from .message_patch_custom_type_0 import MessagePatchCustomType0
from .message_reaction_counts import MessageReactionCounts
from .mute import Mute
from .new_ban import NewBan
from .new_channel import NewChannel
from .new_channel_custom_type_0 import NewChannelCustomType0
from .new_device import NewDevice
from .new_flag import NewFlag
from .new_key import NewKey
from .new_message import NewMessage
from .new_message_custom_type_0 import NewMessageCustomType0
from .new_reaction import NewReaction
from .new_tenant import NewTenant
from .new_token import NewToken
from .new_upload import NewUpload
from .new_webhook import NewWebhook
from .new_webhook_event_types_item import NewWebhookEventTypesItem
from .oidc_issuer import OidcIssuer
from .page_audit_entry import PageAuditEntry
from .page_ban import PageBan
from .page_channel import PageChannel
from .page_delivery import PageDelivery
from .page_device import PageDevice
from .page_flag import PageFlag
from .page_job import PageJob
from .page_message import PageMessage
from .page_mute import PageMute
from .page_tenant import PageTenant
from .page_user import PageUser
from .page_webhook import PageWebhook
from .permission import Permission
from .problem import Problem
from .provider import Provider
from .push_config import PushConfig
from .push_test import PushTest
from .push_test_result import PushTestResult
from .read_state import ReadState
from .resolution import Resolution
from .resolve import Resolve
from .root import Root
from .root_links import RootLinks
from .sse_event import SseEvent
from .storage_usage import StorageUsage
from .target_kind import TargetKind
from .tenant import Tenant
from .tenant_patch import TenantPatch
from .tenant_settings import TenantSettings
from .token import Token
from .unread import Unread
from .upload import Upload
from .usage import Usage
from .user import User
from .user_custom import UserCustom
from .user_export import UserExport
from .user_input import UserInput
from .user_input_custom_type_0 import UserInputCustomType0
from .user_role import UserRole
from .webhook import Webhook
from .webhook_event_types_item import WebhookEventTypesItem
from .webhook_patch import WebhookPatch
from .webhook_patch_event_types_type_0_item import WebhookPatchEventTypesType0Item

__all__ = (
    "ActorKind",
    "AddMembers",
    "ApiKey",
    "ApnsInfo",
    "ApnsInput",
    "App",
    "AppPatch",
    "Attachment",
    "AttachmentInput",
    "AttachmentInputCustomType0",
    "AttachmentKind",
    "Attempt",
    "AuditAction",
    "AuditActor",
    "AuditEntry",
    "AuditEntryDetails",
    "AuditTarget",
    "Ban",
    "BeforeSendHook",
    "Block",
    "Blocklist",
    "BlocklistAction",
    "BlocklistInput",
    "BlocklistRule",
    "Channel",
    "ChannelCustom",
    "ChannelPatch",
    "ChannelPatchCustomType0",
    "ChannelTypeInput",
    "ChannelTypeInputGrants",
    "ChannelTypeView",
    "ChannelTypeViewGrants",
    "ChannelUnread",
    "CreatedKey",
    "CreatedTenant",
    "CreatedUpload",
    "CreatedUploadHeaders",
    "DeleteUserMessages",
    "DeleteUserMode",
    "Delivery",
    "DeliveryStatus",
    "Device",
    "DeviceResult",
    "ExportedBan",
    "ExportedDevice",
    "ExportedFlag",
    "ExportedMembership",
    "ExportedMessage",
    "ExportedMessageAttachmentsItem",
    "ExportedMessageCustom",
    "ExportedMute",
    "ExportedReaction",
    "ExportedUser",
    "FcmInfo",
    "FcmInput",
    "FcmInputServiceAccount",
    "Features",
    "FeaturesPatch",
    "Flag",
    "FlagStatus",
    "Health",
    "Job",
    "JobDetail",
    "JobStatus",
    "KeyKind",
    "ListBansScope",
    "ListChannelsSort",
    "MarkRead",
    "Member",
    "MemberPatch",
    "MemberRole",
    "Message",
    "MessageAttachmentsItem",
    "MessageCustom",
    "MessagePatch",
    "MessagePatchCustomType0",
    "MessageReactionCounts",
    "Mute",
    "NewBan",
    "NewChannel",
    "NewChannelCustomType0",
    "NewDevice",
    "NewFlag",
    "NewKey",
    "NewMessage",
    "NewMessageCustomType0",
    "NewReaction",
    "NewTenant",
    "NewToken",
    "NewUpload",
    "NewWebhook",
    "NewWebhookEventTypesItem",
    "OidcIssuer",
    "PageAuditEntry",
    "PageBan",
    "PageChannel",
    "PageDelivery",
    "PageDevice",
    "PageFlag",
    "PageJob",
    "PageMessage",
    "PageMute",
    "PageTenant",
    "PageUser",
    "PageWebhook",
    "Permission",
    "Problem",
    "Provider",
    "PushConfig",
    "PushTest",
    "PushTestResult",
    "ReadState",
    "Resolution",
    "Resolve",
    "Root",
    "RootLinks",
    "SseEvent",
    "StorageUsage",
    "TargetKind",
    "Tenant",
    "TenantPatch",
    "TenantSettings",
    "Token",
    "Unread",
    "Upload",
    "Usage",
    "User",
    "UserCustom",
    "UserExport",
    "UserInput",
    "UserInputCustomType0",
    "UserRole",
    "Webhook",
    "WebhookEventTypesItem",
    "WebhookPatch",
    "WebhookPatchEventTypesType0Item",
)
