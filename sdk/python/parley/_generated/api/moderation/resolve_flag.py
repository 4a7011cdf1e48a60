from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.flag import Flag
from ...models.problem import Problem
from ...models.resolve import Resolve
from ...types import Response


def _get_kwargs(
    flag_id: str,
    *,
    body: Resolve,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/flags/{flag_id}/resolve".format(
            flag_id=quote(str(flag_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Flag | Problem | None:
    if response.status_code == 200:
        response_200 = Flag.from_dict(response.json())

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
) -> Response[Flag | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    flag_id: str,
    *,
    client: AuthenticatedClient,
    body: Resolve,
) -> Response[Flag | Problem]:
    """Resolve an open report: `dismiss`, `delete_message` (soft) or `ban_user` (app-wide, with
    optional `reason` and `timeout_s`). The action is done, then the report is marked
    resolved with it.

    Args:
        flag_id (str):
        body (Resolve): The body of a resolve.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Flag | Problem]
    """

    kwargs = _get_kwargs(
        flag_id=flag_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    flag_id: str,
    *,
    client: AuthenticatedClient,
    body: Resolve,
) -> Flag | Problem | None:
    """Resolve an open report: `dismiss`, `delete_message` (soft) or `ban_user` (app-wide, with
    optional `reason` and `timeout_s`). The action is done, then the report is marked
    resolved with it.

    Args:
        flag_id (str):
        body (Resolve): The body of a resolve.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Flag | Problem
    """

    return sync_detailed(
        flag_id=flag_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    flag_id: str,
    *,
    client: AuthenticatedClient,
    body: Resolve,
) -> Response[Flag | Problem]:
    """Resolve an open report: `dismiss`, `delete_message` (soft) or `ban_user` (app-wide, with
    optional `reason` and `timeout_s`). The action is done, then the report is marked
    resolved with it.

    Args:
        flag_id (str):
        body (Resolve): The body of a resolve.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Flag | Problem]
    """

    kwargs = _get_kwargs(
        flag_id=flag_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    flag_id: str,
    *,
    client: AuthenticatedClient,
    body: Resolve,
) -> Flag | Problem | None:
    """Resolve an open report: `dismiss`, `delete_message` (soft) or `ban_user` (app-wide, with
    optional `reason` and `timeout_s`). The action is done, then the report is marked
    resolved with it.

    Args:
        flag_id (str):
        body (Resolve): The body of a resolve.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Flag | Problem
    """

    return (
        await asyncio_detailed(
            flag_id=flag_id,
            client=client,
            body=body,
        )
    ).parsed
