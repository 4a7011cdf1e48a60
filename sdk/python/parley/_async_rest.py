"""The asyncio REST clients: a user's app (publishable key + user token), a tenant's
server (secret key) and the operator (operator token).

Each convenience method is one operation of the generated client (``parley._generated``),
sent through the client's own ``httpx`` connection (credentials, token refresh, retry
policy), answered with the generated model, or raising ``ParleyError`` with the problem
details. ``client.api`` is the generated client itself, for every operation of the
document; inputs may be the generated models or plain dicts of the same fields.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from types import ModuleType
from typing import Any, Self, TypeVar

import httpx

from ._generated.api.app import create_token as op_create_token
from ._generated.api.app import get_app as op_get_app
from ._generated.api.app import patch_app as op_patch_app
from ._generated.api.channels import add_members as op_add_members
from ._generated.api.channels import create_channel as op_create_channel
from ._generated.api.channels import delete_channel as op_delete_channel
from ._generated.api.channels import get_channel as op_get_channel
from ._generated.api.channels import list_channels as op_list_channels
from ._generated.api.channels import mark_read as op_mark_read
from ._generated.api.channels import patch_channel as op_patch_channel
from ._generated.api.channels import remove_member as op_remove_member
from ._generated.api.channels import update_member as op_update_member
from ._generated.api.me import block_user as op_block_user
from ._generated.api.me import list_blocks as op_list_blocks
from ._generated.api.me import list_mutes as op_list_mutes
from ._generated.api.me import me as op_me
from ._generated.api.me import my_unread as op_my_unread
from ._generated.api.me import unblock_user as op_unblock_user
from ._generated.api.messages import add_reaction as op_add_reaction
from ._generated.api.messages import delete_message as op_delete_message
from ._generated.api.messages import edit_message as op_edit_message
from ._generated.api.messages import get_message as op_get_message
from ._generated.api.messages import history as op_history
from ._generated.api.messages import pin as op_pin
from ._generated.api.messages import remove_reaction as op_remove_reaction
from ._generated.api.messages import replies as op_replies
from ._generated.api.messages import send_message as op_send_message
from ._generated.api.messages import unpin as op_unpin
from ._generated.api.moderation import ban_user as op_ban_user
from ._generated.api.moderation import unban_user as op_unban_user
from ._generated.api.operator import create_key as op_create_key
from ._generated.api.operator import create_tenant as op_create_tenant
from ._generated.api.operator import delete_tenant as op_delete_tenant
from ._generated.api.operator import get_tenant as op_get_tenant
from ._generated.api.operator import list_keys as op_list_keys
from ._generated.api.operator import list_tenants as op_list_tenants
from ._generated.api.operator import revoke_key as op_revoke_key
from ._generated.api.operator import tenant_usage as op_tenant_usage
from ._generated.api.operator import update_tenant as op_update_tenant
from ._generated.api.uploads import complete_upload as op_complete_upload
from ._generated.api.uploads import create_upload as op_create_upload
from ._generated.api.uploads import get_upload as op_get_upload
from ._generated.api.users import delete_user as op_delete_user
from ._generated.api.users import get_user as op_get_user
from ._generated.api.users import list_users as op_list_users
from ._generated.api.users import patch_user as op_patch_user
from ._generated.api.users import put_user as op_put_user
from ._generated.api.users import reactivate_user as op_reactivate_user
from ._generated.api.webhooks import create_webhook as op_create_webhook
from ._generated.api.webhooks import delete_webhook as op_delete_webhook
from ._generated.api.webhooks import get_webhook as op_get_webhook
from ._generated.api.webhooks import list_deliveries as op_list_deliveries
from ._generated.api.webhooks import list_webhooks as op_list_webhooks
from ._generated.api.webhooks import patch_webhook as op_patch_webhook
from ._generated.api.webhooks import retry_delivery as op_retry_delivery
from ._generated.api.webhooks import test_webhook as op_test_webhook
from ._generated.client import AuthenticatedClient
from ._generated.models import (
    AddMembers,
    ApiKey,
    App,
    AppPatch,
    Attachment,
    Ban,
    Block,
    Channel,
    ChannelPatch,
    CreatedKey,
    CreatedTenant,
    DeleteUserMessages,
    DeleteUserMode,
    Delivery,
    DeliveryStatus,
    ListChannelsSort,
    MarkRead,
    Member,
    MemberPatch,
    MemberRole,
    Message,
    MessagePatch,
    NewBan,
    NewChannel,
    NewKey,
    NewMessage,
    NewReaction,
    NewTenant,
    NewToken,
    NewUpload,
    NewWebhook,
    PageChannel,
    PageDelivery,
    PageMessage,
    PageMute,
    PageTenant,
    PageUser,
    PageWebhook,
    ReadState,
    Tenant,
    TenantPatch,
    Token,
    Unread,
    Upload,
    Usage,
    User,
    UserInput,
    Webhook,
    WebhookPatch,
)
from ._generated.types import UNSET
from ._http import AsyncRetryingTransport, UserAuth, channel_path, client_id
from .errors import ParleyError, RetryPolicy
from .tokens import AsyncTokenSource, TokenProvider, mint_user_token

M = TypeVar("M")


def _model(cls: type[M], value: M | Mapping[str, Any]) -> M:
    """Takes a generated model as is, or builds it from a dict of the same fields."""
    if isinstance(value, Mapping):
        return cls.from_dict(dict(value))  # type: ignore[attr-defined,no-any-return]
    return value


def _opt(value: Any) -> Any:
    """None (not given) becomes the generated client's UNSET, so it is left out."""
    return UNSET if value is None else value


class _AsyncRestClient:
    """What every client shares: the connection, the generated client, and one call."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        transport = AsyncRetryingTransport(retry) if retry else None
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=dict(headers or {}), auth=auth, transport=transport, timeout=timeout
        )
        # Signed media URLs carry their own credentials: no key or token goes with them.
        self._media = httpx.AsyncClient(timeout=timeout)
        #: The generated client of the whole REST API, on this client's connection (with its
        #: credentials and retry policy), for operations without a method here:
        #: ``await pin.asyncio_detailed("message-id", client=client.api)``. Its calls answer
        #: ``Response`` objects (``status_code``, ``parsed``) instead of raising.
        self.api = AuthenticatedClient(base_url=self.base_url, token="")  # credentials come from the connection
        self.api.set_async_httpx_client(self._http)

    async def aclose(self) -> None:
        """Closes the connections."""
        await self._http.aclose()
        await self._media.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _call(self, operation: ModuleType, /, *args: Any, **kwargs: Any) -> Any:
        """Sends one generated operation; answers its parsed model or raises ParleyError."""
        request = operation._get_kwargs(*args, **kwargs)
        try:
            response = await self._http.request(**request)
        except httpx.TransportError as error:
            raise ParleyError("network_error", 0, str(error) or type(error).__name__) from error
        if response.is_error:
            raise ParleyError.from_response(response)
        if response.status_code == 204:
            return None
        try:
            return operation._parse_response(client=self.api, response=response)
        except (KeyError, TypeError, ValueError) as error:
            raise ParleyError(
                "invalid_response",
                response.status_code,
                f"the answer to {request['method'].upper()} {request['url']} does not match the API document: {error!r}",
            ) from error


class _AsyncChatCalls(_AsyncRestClient):
    """The calls a user's app and a tenant's server share. With the secret key, name the
    acting user in ``user_id``."""

    # ------------------------------------------------------------------ channels

    async def create_channel(self, channel: NewChannel | Mapping[str, Any]) -> Channel:
        """Creates a channel, or returns the existing one with that id or ``distinct`` member set."""
        return await self._call(op_create_channel, body=_model(NewChannel, channel))

    async def list_channels(
        self,
        *,
        member: str | None = None,
        sort: ListChannelsSort | str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> PageChannel:
        """The caller's channels (``member="me"``), newest activity first by default, with unread counts."""
        return await self._call(
            op_list_channels,
            member=_opt(member),
            sort=_opt(ListChannelsSort(sort) if isinstance(sort, str) else sort),
            limit=_opt(limit),
            cursor=_opt(cursor),
        )

    async def get_channel(self, cid: str) -> Channel:
        return await self._call(op_get_channel, *channel_path(cid))

    async def update_channel(self, cid: str, patch: ChannelPatch | Mapping[str, Any]) -> Channel:
        """Changes ``name``, ``custom``, ``frozen`` or ``slow_mode_s``."""
        return await self._call(op_patch_channel, *channel_path(cid), body=_model(ChannelPatch, patch))

    async def delete_channel(self, cid: str) -> None:
        await self._call(op_delete_channel, *channel_path(cid))

    # ------------------------------------------------------------------ members

    async def add_members(self, cid: str, user_ids: list[str], role: MemberRole | str | None = None) -> Channel:
        """Adds users (with ``role``, default ``member``); answers the channel."""
        body = AddMembers(user_ids=list(user_ids), role=_opt(MemberRole(role) if isinstance(role, str) else role))
        return await self._call(op_add_members, *channel_path(cid), body=body)

    async def remove_member(self, cid: str, user_id: str) -> None:
        await self._call(op_remove_member, *channel_path(cid), user_id)

    async def update_member(self, cid: str, user_id: str, patch: MemberPatch | Mapping[str, Any]) -> Member:
        return await self._call(op_update_member, *channel_path(cid), user_id, body=_model(MemberPatch, patch))

    # ------------------------------------------------------------------ messages

    async def send_message(self, cid: str, message: NewMessage | Mapping[str, Any]) -> Message:
        """Sends a message. It gets a client id unless it has one, so sending it again (a
        retry after a lost answer) stores it once."""
        body = _model(NewMessage, message)
        if not isinstance(body.id, str):
            body.id = client_id()
        return await self._call(op_send_message, *channel_path(cid), body=body)

    async def reply(self, cid: str, parent_id: str, message: NewMessage | Mapping[str, Any]) -> Message:
        """Replies in the thread of ``parent_id`` (a top-level message of the same channel)."""
        body = _model(NewMessage, message)
        body.parent_id = parent_id
        return await self.send_message(cid, body)

    async def get_message(self, message_id: str) -> Message:
        return await self._call(op_get_message, message_id)

    async def edit_message(self, message_id: str, patch: MessagePatch | Mapping[str, Any]) -> Message:
        return await self._call(op_edit_message, message_id, body=_model(MessagePatch, patch))

    async def delete_message(self, message_id: str, *, hard: bool | None = None, user_id: str | None = None) -> Message:
        """Deletes a message (a tombstone stays in history; ``hard`` also erases its files)."""
        return await self._call(op_delete_message, message_id, hard=_opt(hard), user_id=_opt(user_id))

    async def pin_message(self, message_id: str, *, user_id: str | None = None) -> Message:
        return await self._call(op_pin, message_id, user_id=_opt(user_id))

    async def unpin_message(self, message_id: str, *, user_id: str | None = None) -> Message:
        return await self._call(op_unpin, message_id, user_id=_opt(user_id))

    async def history(
        self,
        cid: str,
        *,
        before_seq: int | None = None,
        after_seq: int | None = None,
        limit: int | None = None,
    ) -> PageMessage:
        """One page of a channel's history in ascending ``seq`` (the newest page by default;
        ``before_seq`` for older messages, ``after_seq`` for newer ones; ``limit`` 1 to 200)."""
        return await self._call(
            op_history,
            *channel_path(cid),
            before_seq=_opt(before_seq),
            after_seq=_opt(after_seq),
            limit=_opt(limit),
        )

    async def history_pages(
        self, cid: str, *, limit: int | None = None, max_pages: int | None = None
    ) -> AsyncIterator[list[Message]]:
        """Walks a channel's history backwards, newest page first (each page itself in
        ascending ``seq``), until the first message or ``max_pages``."""
        before: int | None = None
        pages = 0
        while max_pages is None or pages < max_pages:
            page = await self.history(cid, before_seq=before, limit=limit)
            if not page.items:
                return
            yield page.items
            pages += 1
            oldest = page.items[0].seq
            if oldest <= 1:
                return
            before = oldest

    async def replies(self, message_id: str, *, limit: int | None = None, cursor: str | None = None) -> PageMessage:
        """The replies of a thread, oldest first."""
        return await self._call(op_replies, message_id, limit=_opt(limit), cursor=_opt(cursor))

    # ------------------------------------------------------------------ reactions

    async def add_reaction(self, message_id: str, type: str, *, user_id: str | None = None) -> Message:
        """Adds a reaction; answers the message with its updated counts."""
        return await self._call(op_add_reaction, message_id, body=NewReaction(type_=type, user_id=_opt(user_id)))

    async def remove_reaction(self, message_id: str, type: str, *, user_id: str | None = None) -> Message:
        return await self._call(op_remove_reaction, message_id, type, user_id=_opt(user_id))

    # ------------------------------------------------------------------ read state

    async def mark_read(self, cid: str, seq: int | None = None, *, user_id: str | None = None) -> ReadState:
        """Marks the channel read up to message ``seq`` (default: everything)."""
        return await self._call(op_mark_read, *channel_path(cid), body=MarkRead(seq=_opt(seq), user_id=_opt(user_id)))

    # ------------------------------------------------------------------ users

    async def get_user(self, user_id: str) -> User:
        return await self._call(op_get_user, user_id)

    async def list_users(
        self, *, q: str | None = None, limit: int | None = None, cursor: str | None = None
    ) -> PageUser:
        return await self._call(op_list_users, q=_opt(q), limit=_opt(limit), cursor=_opt(cursor))

    async def update_user(self, user_id: str, patch: UserInput | Mapping[str, Any]) -> User:
        return await self._call(op_patch_user, user_id, body=_model(UserInput, patch))

    # ------------------------------------------------------------------ uploads

    async def upload_file(
        self, data: bytes, *, filename: str, content_type: str, user_id: str | None = None
    ) -> Attachment:
        """Uploads a file in the three steps of the API (announce, PUT the bytes to the
        signed URL with exactly the headers it came with, complete) and returns the
        attachment, ready for ``send_message(cid, {"attachments": [{"upload_id": …}]})``."""
        created = await self._call(
            op_create_upload,
            body=NewUpload(filename=filename, content_type=content_type, size=len(data), user_id=_opt(user_id)),
        )
        # The signature covers the length, which httpx sets from the body itself.
        headers = {k: v for k, v in created.headers.to_dict().items() if k.lower() != "content-length"}
        try:
            put = await self._media.put(created.put_url, content=data, headers=headers)
        except httpx.TransportError as error:
            raise ParleyError("network_error", 0, str(error) or type(error).__name__) from error
        if put.is_error:
            raise ParleyError.from_response(put)
        return await self._call(op_complete_upload, created.upload_id)

    async def get_upload(self, upload_id: str) -> Upload:
        """An upload with a fresh signed download URL (``get_url``)."""
        return await self._call(op_get_upload, upload_id)

    async def download(self, url: str) -> bytes:
        """The bytes behind a signed media URL (an attachment's ``url``, an upload's ``get_url``)."""
        try:
            response = await self._media.get(url)
        except httpx.TransportError as error:
            raise ParleyError("network_error", 0, str(error) or type(error).__name__) from error
        if response.is_error:
            raise ParleyError.from_response(response)
        return response.content


class AsyncParleyUserClient(_AsyncChatCalls):
    """The client of an end user's app: the tenant's publishable key (``X-Api-Key``) and a
    user token (``Authorization: Bearer``). ``token`` is a token, or a provider called for
    the first one and again, with ``force_refresh=True``, when the server says it expired
    (``token_expired``, ``invalid_token``): the request is then sent once more."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        token: str | TokenProvider,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.api_key = api_key
        #: The user token in use; shared with the realtime client.
        self.tokens = AsyncTokenSource(token)
        super().__init__(base_url, auth=UserAuth(api_key, self.tokens), retry=retry, timeout=timeout)

    async def me(self) -> User:
        """The signed-in user."""
        return await self._call(op_me)

    async def unread(self) -> Unread:
        """Unread counts: the total and, per channel with unread messages, the count and the read mark."""
        return await self._call(op_my_unread)

    async def blocks(self) -> list[Block]:
        """Users the caller blocked."""
        return await self._call(op_list_blocks)

    async def block(self, user_id: str) -> Block:
        return await self._call(op_block_user, user_id)

    async def unblock(self, user_id: str) -> None:
        await self._call(op_unblock_user, user_id)

    async def mutes(self) -> PageMute:
        """Users the caller muted (no push for their messages)."""
        return await self._call(op_list_mutes)


class AsyncParleyServerClient(_AsyncChatCalls):
    """The client of a tenant's backend, with the secret key (``sk_…`` bearer): full access
    inside the tenant. It acts for a user by naming ``user_id``; it also manages users,
    tokens, webhooks and the app's settings."""

    def __init__(
        self,
        base_url: str,
        secret_key: str,
        *,
        signing_secret: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._signing_secret = signing_secret
        super().__init__(base_url, headers={"Authorization": f"Bearer {secret_key}"}, retry=retry, timeout=timeout)

    # ------------------------------------------------------------------ tokens

    async def create_token(self, user_id: str, expires_in: int | None = None) -> Token:
        """Mints a user token through the API (``POST /v1/tokens``); the user need not exist yet."""
        return await self._call(op_create_token, body=NewToken(user_id=user_id, expires_in=_opt(expires_in)))

    def mint_token(self, user_id: str, *, expires_in: int = 86_400) -> str:
        """Mints a user token locally with the signing secret given to the constructor."""
        if not self._signing_secret:
            raise ValueError("mint_token needs the tenant's signing_secret in the client's constructor")
        return mint_user_token(self._signing_secret, user_id, expires_in=expires_in)

    # ------------------------------------------------------------------ users

    async def upsert_user(self, user_id: str, user: UserInput | Mapping[str, Any] | None = None) -> User:
        """Creates or replaces a user."""
        return await self._call(op_put_user, user_id, body=_model(UserInput, user or {}))

    async def delete_user(
        self,
        user_id: str,
        *,
        mode: DeleteUserMode | str | None = None,
        messages: DeleteUserMessages | str | None = None,
    ) -> None:
        """Deactivates a user (``soft``, the default) or erases them (``hard``)."""
        await self._call(
            op_delete_user,
            user_id,
            mode=_opt(DeleteUserMode(mode) if isinstance(mode, str) else mode),
            messages=_opt(DeleteUserMessages(messages) if isinstance(messages, str) else messages),
        )

    async def reactivate_user(self, user_id: str) -> User:
        return await self._call(op_reactivate_user, user_id)

    async def ban_user(self, user_id: str, ban: NewBan | Mapping[str, Any] | None = None) -> Ban:
        """Bans a user from the whole app (``{"shadow": True}`` for a shadow ban)."""
        return await self._call(op_ban_user, user_id, body=_model(NewBan, ban or {}))

    async def unban_user(self, user_id: str) -> None:
        await self._call(op_unban_user, user_id)

    # ------------------------------------------------------------------ webhooks

    async def create_webhook(self, webhook: NewWebhook | Mapping[str, Any]) -> Webhook:
        """Registers an endpoint; its signing ``secret`` is in this answer only."""
        return await self._call(op_create_webhook, body=_model(NewWebhook, webhook))

    async def list_webhooks(self) -> PageWebhook:
        return await self._call(op_list_webhooks)

    async def get_webhook(self, webhook_id: str) -> Webhook:
        return await self._call(op_get_webhook, webhook_id)

    async def update_webhook(self, webhook_id: str, patch: WebhookPatch | Mapping[str, Any]) -> Webhook:
        return await self._call(op_patch_webhook, webhook_id, body=_model(WebhookPatch, patch))

    async def delete_webhook(self, webhook_id: str) -> None:
        await self._call(op_delete_webhook, webhook_id)

    async def test_webhook(self, webhook_id: str) -> Delivery:
        """Queues a ``webhook.test`` delivery to the endpoint."""
        return await self._call(op_test_webhook, webhook_id)

    async def list_deliveries(
        self,
        webhook_id: str,
        *,
        status: DeliveryStatus | str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> PageDelivery:
        """The endpoint's delivery log, newest first, with every attempt."""
        return await self._call(
            op_list_deliveries,
            webhook_id,
            status=_opt(DeliveryStatus(status) if isinstance(status, str) else status),
            limit=_opt(limit),
            cursor=_opt(cursor),
        )

    async def retry_delivery(self, webhook_id: str, delivery_id: int) -> Delivery:
        return await self._call(op_retry_delivery, webhook_id, delivery_id)

    # ------------------------------------------------------------------ app

    async def get_app(self) -> App:
        return await self._call(op_get_app)

    async def update_app(self, patch: AppPatch | Mapping[str, Any]) -> App:
        """Changes the app's settings (``settings`` is written as a whole) or rotates its secrets."""
        return await self._call(op_patch_app, body=_model(AppPatch, patch))


class AsyncParleyAdminClient(_AsyncRestClient):
    """The operator's client (``/admin/v1/*``, the operator token as bearer): tenants and
    their keys and usage; jobs and the audit log through ``api``."""

    def __init__(
        self, base_url: str, admin_token: str, *, retry: RetryPolicy | None = None, timeout: float = 30.0
    ) -> None:
        super().__init__(base_url, headers={"Authorization": f"Bearer {admin_token}"}, retry=retry, timeout=timeout)

    async def create_tenant(self, tenant: NewTenant | Mapping[str, Any]) -> CreatedTenant:
        """Creates a tenant; its keys and signing secret are in this answer only."""
        return await self._call(op_create_tenant, body=_model(NewTenant, tenant))

    async def list_tenants(self, *, limit: int | None = None, cursor: str | None = None) -> PageTenant:
        return await self._call(op_list_tenants, limit=_opt(limit), cursor=_opt(cursor))

    async def get_tenant(self, tenant_id: str) -> Tenant:
        return await self._call(op_get_tenant, tenant_id)

    async def update_tenant(self, tenant_id: str, patch: TenantPatch | Mapping[str, Any]) -> Tenant:
        return await self._call(op_update_tenant, tenant_id, body=_model(TenantPatch, patch))

    async def delete_tenant(self, tenant_id: str) -> None:
        await self._call(op_delete_tenant, tenant_id)

    async def list_keys(self, tenant_id: str) -> list[ApiKey]:
        """The tenant's keys (without their secrets)."""
        return await self._call(op_list_keys, tenant_id)

    async def create_key(self, tenant_id: str, key: NewKey | Mapping[str, Any]) -> CreatedKey:
        """Creates a publishable or secret key; the key is in this answer only."""
        return await self._call(op_create_key, tenant_id, body=_model(NewKey, key))

    async def revoke_key(self, tenant_id: str, key_id: str) -> None:
        await self._call(op_revoke_key, tenant_id, key_id)

    async def tenant_usage(self, tenant_id: str) -> Usage:
        return await self._call(op_tenant_usage, tenant_id)
