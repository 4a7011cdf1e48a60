from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.ban import Ban
from ...models.new_ban import NewBan
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    user_id: str,
    *,
    body: NewBan,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/users/{user_id}/ban".format(
            user_id=quote(str(user_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Ban | Problem | None:
    if response.status_code == 201:
        response_201 = Ban.from_dict(response.json())

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
) -> Response[Ban | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    user_id: str,
    *,
    client: AuthenticatedClient,
    body: NewBan,
) -> Response[Ban | Problem]:
    """Ban a user from the whole app (the tenant server or an admin). Their requests and new
    connections are refused with 403 `user_banned` (reason and expiry in the detail); open
    connections get `user.banned` and are closed with 4403. Banning again replaces the ban.

    Args:
        user_id (str):
        body (NewBan): The body of a ban.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Ban | Problem]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    user_id: str,
    *,
    client: AuthenticatedClient,
    body: NewBan,
) -> Ban | Problem | None:
    """Ban a user from the whole app (the tenant server or an admin). Their requests and new
    connections are refused with 403 `user_banned` (reason and expiry in the detail); open
    connections get `user.banned` and are closed with 4403. Banning again replaces the ban.

    Args:
        user_id (str):
        body (NewBan): The body of a ban.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Ban | Problem
    """

    return sync_detailed(
        user_id=user_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    user_id: str,
    *,
    client: AuthenticatedClient,
    body: NewBan,
) -> Response[Ban | Problem]:
    """Ban a user from the whole app (the tenant server or an admin). Their requests and new
    connections are refused with 403 `user_banned` (reason and expiry in the detail); open
    connections get `user.banned` and are closed with 4403. Banning again replaces the ban.

    Args:
        user_id (str):
        body (NewBan): The body of a ban.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Ban | Problem]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    user_id: str,
    *,
    client: AuthenticatedClient,
    body: NewBan,
) -> Ban | Problem | None:
    """Ban a user from the whole app (the tenant server or an admin). Their requests and new
    connections are refused with 403 `user_banned` (reason and expiry in the detail); open
    connections get `user.banned` and are closed with 4403. Banning again replaces the ban.

    Args:
        user_id (str):
        body (NewBan): The body of a ban.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Ban | Problem
    """

    return (
        await asyncio_detailed(
            user_id=user_id,
            client=client,
            body=body,
        )
    ).parsed
