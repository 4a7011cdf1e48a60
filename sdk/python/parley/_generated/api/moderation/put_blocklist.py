from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.blocklist import Blocklist
from ...models.blocklist_input import BlocklistInput
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    name: str,
    *,
    body: BlocklistInput,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/blocklists/{name}".format(
            name=quote(str(name), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Blocklist | Problem | None:
    if response.status_code == 200:
        response_200 = Blocklist.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Blocklist.from_dict(response.json())

        return response_201

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
) -> Response[Blocklist | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: BlocklistInput,
) -> Response[Blocklist | Problem]:
    """Create or replace a blocklist: words (matched as whole words) and regular expressions,
    matched regardless of case, accents and compatibility forms, in linear time. A channel
    type uses it through its `blocklists` (`PUT /v1/channel-types/{type}`) with an action:
    `block` (422 `message_blocked`), `mask` (each match stored as `***`) or `flag` (stored and
    reported as `message.flagged`). New and edited messages are screened.

    Args:
        name (str):
        body (BlocklistInput): The body of `PUT /v1/blocklists/{name}`: the list's whole content.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Blocklist | Problem]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient,
    body: BlocklistInput,
) -> Blocklist | Problem | None:
    """Create or replace a blocklist: words (matched as whole words) and regular expressions,
    matched regardless of case, accents and compatibility forms, in linear time. A channel
    type uses it through its `blocklists` (`PUT /v1/channel-types/{type}`) with an action:
    `block` (422 `message_blocked`), `mask` (each match stored as `***`) or `flag` (stored and
    reported as `message.flagged`). New and edited messages are screened.

    Args:
        name (str):
        body (BlocklistInput): The body of `PUT /v1/blocklists/{name}`: the list's whole content.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Blocklist | Problem
    """

    return sync_detailed(
        name=name,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: BlocklistInput,
) -> Response[Blocklist | Problem]:
    """Create or replace a blocklist: words (matched as whole words) and regular expressions,
    matched regardless of case, accents and compatibility forms, in linear time. A channel
    type uses it through its `blocklists` (`PUT /v1/channel-types/{type}`) with an action:
    `block` (422 `message_blocked`), `mask` (each match stored as `***`) or `flag` (stored and
    reported as `message.flagged`). New and edited messages are screened.

    Args:
        name (str):
        body (BlocklistInput): The body of `PUT /v1/blocklists/{name}`: the list's whole content.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Blocklist | Problem]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient,
    body: BlocklistInput,
) -> Blocklist | Problem | None:
    """Create or replace a blocklist: words (matched as whole words) and regular expressions,
    matched regardless of case, accents and compatibility forms, in linear time. A channel
    type uses it through its `blocklists` (`PUT /v1/channel-types/{type}`) with an action:
    `block` (422 `message_blocked`), `mask` (each match stored as `***`) or `flag` (stored and
    reported as `message.flagged`). New and edited messages are screened.

    Args:
        name (str):
        body (BlocklistInput): The body of `PUT /v1/blocklists/{name}`: the list's whole content.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Blocklist | Problem
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            body=body,
        )
    ).parsed
