import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.actor_kind import ActorKind
from ...models.audit_action import AuditAction
from ...models.page_audit_entry import PageAuditEntry
from ...models.problem import Problem
from ...models.target_kind import TargetKind
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    tenant_id: str | Unset = UNSET,
    action: AuditAction | Unset = UNSET,
    actor_kind: ActorKind | Unset = UNSET,
    actor_id: str | Unset = UNSET,
    target_kind: TargetKind | Unset = UNSET,
    target_id: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["tenant_id"] = tenant_id

    json_action: str | Unset = UNSET
    if not isinstance(action, Unset):
        json_action = action.value

    params["action"] = json_action

    json_actor_kind: str | Unset = UNSET
    if not isinstance(actor_kind, Unset):
        json_actor_kind = actor_kind.value

    params["actor_kind"] = json_actor_kind

    params["actor_id"] = actor_id

    json_target_kind: str | Unset = UNSET
    if not isinstance(target_kind, Unset):
        json_target_kind = target_kind.value

    params["target_kind"] = json_target_kind

    params["target_id"] = target_id

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/admin/v1/audit-log",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageAuditEntry | Problem | None:
    if response.status_code == 200:
        response_200 = PageAuditEntry.from_dict(response.json())

        return response_200

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if 400 <= response.status_code <= 499:
        response_4xx = Problem.from_dict(response.json())

        return response_4xx

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PageAuditEntry | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    tenant_id: str | Unset = UNSET,
    action: AuditAction | Unset = UNSET,
    actor_kind: ActorKind | Unset = UNSET,
    actor_id: str | Unset = UNSET,
    target_kind: TargetKind | Unset = UNSET,
    target_id: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[PageAuditEntry | Problem]:
    """Every tenant's audit log, newest first: who (the operator, a tenant's server by its key, a
    user) changed what, when, in which request and from which address. Entries outlive the
    tenants and users they name until the audit retention ends.

    Args:
        tenant_id (str | Unset):
        action (AuditAction | Unset): Every audited action.
        actor_kind (ActorKind | Unset): Who acts.
        actor_id (str | Unset):
        target_kind (TargetKind | Unset): What an audited action was done to.
        target_id (str | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageAuditEntry | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        action=action,
        actor_kind=actor_kind,
        actor_id=actor_id,
        target_kind=target_kind,
        target_id=target_id,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    tenant_id: str | Unset = UNSET,
    action: AuditAction | Unset = UNSET,
    actor_kind: ActorKind | Unset = UNSET,
    actor_id: str | Unset = UNSET,
    target_kind: TargetKind | Unset = UNSET,
    target_id: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> PageAuditEntry | Problem | None:
    """Every tenant's audit log, newest first: who (the operator, a tenant's server by its key, a
    user) changed what, when, in which request and from which address. Entries outlive the
    tenants and users they name until the audit retention ends.

    Args:
        tenant_id (str | Unset):
        action (AuditAction | Unset): Every audited action.
        actor_kind (ActorKind | Unset): Who acts.
        actor_id (str | Unset):
        target_kind (TargetKind | Unset): What an audited action was done to.
        target_id (str | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageAuditEntry | Problem
    """

    return sync_detailed(
        client=client,
        tenant_id=tenant_id,
        action=action,
        actor_kind=actor_kind,
        actor_id=actor_id,
        target_kind=target_kind,
        target_id=target_id,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    tenant_id: str | Unset = UNSET,
    action: AuditAction | Unset = UNSET,
    actor_kind: ActorKind | Unset = UNSET,
    actor_id: str | Unset = UNSET,
    target_kind: TargetKind | Unset = UNSET,
    target_id: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[PageAuditEntry | Problem]:
    """Every tenant's audit log, newest first: who (the operator, a tenant's server by its key, a
    user) changed what, when, in which request and from which address. Entries outlive the
    tenants and users they name until the audit retention ends.

    Args:
        tenant_id (str | Unset):
        action (AuditAction | Unset): Every audited action.
        actor_kind (ActorKind | Unset): Who acts.
        actor_id (str | Unset):
        target_kind (TargetKind | Unset): What an audited action was done to.
        target_id (str | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageAuditEntry | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        action=action,
        actor_kind=actor_kind,
        actor_id=actor_id,
        target_kind=target_kind,
        target_id=target_id,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    tenant_id: str | Unset = UNSET,
    action: AuditAction | Unset = UNSET,
    actor_kind: ActorKind | Unset = UNSET,
    actor_id: str | Unset = UNSET,
    target_kind: TargetKind | Unset = UNSET,
    target_id: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> PageAuditEntry | Problem | None:
    """Every tenant's audit log, newest first: who (the operator, a tenant's server by its key, a
    user) changed what, when, in which request and from which address. Entries outlive the
    tenants and users they name until the audit retention ends.

    Args:
        tenant_id (str | Unset):
        action (AuditAction | Unset): Every audited action.
        actor_kind (ActorKind | Unset): Who acts.
        actor_id (str | Unset):
        target_kind (TargetKind | Unset): What an audited action was done to.
        target_id (str | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageAuditEntry | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            tenant_id=tenant_id,
            action=action,
            actor_kind=actor_kind,
            actor_id=actor_id,
            target_kind=target_kind,
            target_id=target_id,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
