from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    api_key: str | Unset = UNSET,
    token: str | Unset = UNSET,
    cids: str | Unset = UNSET,
    cursors: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["api_key"] = api_key

    params["token"] = token

    params["cids"] = cids

    params["cursors"] = cursors

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | str | None:
    if response.status_code == 200:
        response_200 = response.text
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
) -> Response[Problem | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    api_key: str | Unset = UNSET,
    token: str | Unset = UNSET,
    cids: str | Unset = UNSET,
    cursors: str | Unset = UNSET,
) -> Response[Problem | str]:
    """Follow events as Server-Sent Events. Resumable with `Last-Event-ID` or `cursors`.

    Args:
        api_key (str | Unset):
        token (str | Unset):
        cids (str | Unset):
        cursors (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        api_key=api_key,
        token=token,
        cids=cids,
        cursors=cursors,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    api_key: str | Unset = UNSET,
    token: str | Unset = UNSET,
    cids: str | Unset = UNSET,
    cursors: str | Unset = UNSET,
) -> Problem | str | None:
    """Follow events as Server-Sent Events. Resumable with `Last-Event-ID` or `cursors`.

    Args:
        api_key (str | Unset):
        token (str | Unset):
        cids (str | Unset):
        cursors (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return sync_detailed(
        client=client,
        api_key=api_key,
        token=token,
        cids=cids,
        cursors=cursors,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    api_key: str | Unset = UNSET,
    token: str | Unset = UNSET,
    cids: str | Unset = UNSET,
    cursors: str | Unset = UNSET,
) -> Response[Problem | str]:
    """Follow events as Server-Sent Events. Resumable with `Last-Event-ID` or `cursors`.

    Args:
        api_key (str | Unset):
        token (str | Unset):
        cids (str | Unset):
        cursors (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        api_key=api_key,
        token=token,
        cids=cids,
        cursors=cursors,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    api_key: str | Unset = UNSET,
    token: str | Unset = UNSET,
    cids: str | Unset = UNSET,
    cursors: str | Unset = UNSET,
) -> Problem | str | None:
    """Follow events as Server-Sent Events. Resumable with `Last-Event-ID` or `cursors`.

    Args:
        api_key (str | Unset):
        token (str | Unset):
        cids (str | Unset):
        cursors (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return (
        await asyncio_detailed(
            client=client,
            api_key=api_key,
            token=token,
            cids=cids,
            cursors=cursors,
        )
    ).parsed
