from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.page_message import PageMessage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    type_: str,
    id: str,
    *,
    before_seq: int | Unset = UNSET,
    after_seq: int | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["before_seq"] = before_seq

    params["after_seq"] = after_seq

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/channels/{type_}/{id}/messages".format(
            type_=quote(str(type_), safe=""),
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageMessage | Problem | None:
    if response.status_code == 200:
        response_200 = PageMessage.from_dict(response.json())

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
) -> Response[PageMessage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    type_: str,
    id: str,
    *,
    client: AuthenticatedClient,
    before_seq: int | Unset = UNSET,
    after_seq: int | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[PageMessage | Problem]:
    """Channel history in ascending `seq`: the newest page by default, older with `before_seq`, newer with
    `after_seq`.

    Args:
        type_ (str):
        id (str):
        before_seq (int | Unset):
        after_seq (int | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageMessage | Problem]
    """

    kwargs = _get_kwargs(
        type_=type_,
        id=id,
        before_seq=before_seq,
        after_seq=after_seq,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    type_: str,
    id: str,
    *,
    client: AuthenticatedClient,
    before_seq: int | Unset = UNSET,
    after_seq: int | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> PageMessage | Problem | None:
    """Channel history in ascending `seq`: the newest page by default, older with `before_seq`, newer with
    `after_seq`.

    Args:
        type_ (str):
        id (str):
        before_seq (int | Unset):
        after_seq (int | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageMessage | Problem
    """

    return sync_detailed(
        type_=type_,
        id=id,
        client=client,
        before_seq=before_seq,
        after_seq=after_seq,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    type_: str,
    id: str,
    *,
    client: AuthenticatedClient,
    before_seq: int | Unset = UNSET,
    after_seq: int | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[PageMessage | Problem]:
    """Channel history in ascending `seq`: the newest page by default, older with `before_seq`, newer with
    `after_seq`.

    Args:
        type_ (str):
        id (str):
        before_seq (int | Unset):
        after_seq (int | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageMessage | Problem]
    """

    kwargs = _get_kwargs(
        type_=type_,
        id=id,
        before_seq=before_seq,
        after_seq=after_seq,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    type_: str,
    id: str,
    *,
    client: AuthenticatedClient,
    before_seq: int | Unset = UNSET,
    after_seq: int | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> PageMessage | Problem | None:
    """Channel history in ascending `seq`: the newest page by default, older with `before_seq`, newer with
    `after_seq`.

    Args:
        type_ (str):
        id (str):
        before_seq (int | Unset):
        after_seq (int | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageMessage | Problem
    """

    return (
        await asyncio_detailed(
            type_=type_,
            id=id,
            client=client,
            before_seq=before_seq,
            after_seq=after_seq,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
