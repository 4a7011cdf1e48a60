from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.channel_type_input import ChannelTypeInput
from ...models.channel_type_view import ChannelTypeView
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    type_: str,
    *,
    body: ChannelTypeInput,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/channel-types/{type_}".format(
            type_=quote(str(type_), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ChannelTypeView | Problem | None:
    if response.status_code == 200:
        response_200 = ChannelTypeView.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = ChannelTypeView.from_dict(response.json())

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
) -> Response[ChannelTypeView | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    type_: str,
    *,
    client: AuthenticatedClient,
    body: ChannelTypeInput,
) -> Response[ChannelTypeView | Problem]:
    """Create a channel type, or change one (built-in types too). What the body leaves out takes
    the type's defaults (`messaging`'s for a new type); the change applies from the next
    request on.

    Args:
        type_ (str):
        body (ChannelTypeInput): The body of `PUT /v1/channel-types/{type}`: what is left out
            takes the type's defaults
            (for a custom type, those of `messaging`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChannelTypeView | Problem]
    """

    kwargs = _get_kwargs(
        type_=type_,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    type_: str,
    *,
    client: AuthenticatedClient,
    body: ChannelTypeInput,
) -> ChannelTypeView | Problem | None:
    """Create a channel type, or change one (built-in types too). What the body leaves out takes
    the type's defaults (`messaging`'s for a new type); the change applies from the next
    request on.

    Args:
        type_ (str):
        body (ChannelTypeInput): The body of `PUT /v1/channel-types/{type}`: what is left out
            takes the type's defaults
            (for a custom type, those of `messaging`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChannelTypeView | Problem
    """

    return sync_detailed(
        type_=type_,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    type_: str,
    *,
    client: AuthenticatedClient,
    body: ChannelTypeInput,
) -> Response[ChannelTypeView | Problem]:
    """Create a channel type, or change one (built-in types too). What the body leaves out takes
    the type's defaults (`messaging`'s for a new type); the change applies from the next
    request on.

    Args:
        type_ (str):
        body (ChannelTypeInput): The body of `PUT /v1/channel-types/{type}`: what is left out
            takes the type's defaults
            (for a custom type, those of `messaging`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChannelTypeView | Problem]
    """

    kwargs = _get_kwargs(
        type_=type_,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    type_: str,
    *,
    client: AuthenticatedClient,
    body: ChannelTypeInput,
) -> ChannelTypeView | Problem | None:
    """Create a channel type, or change one (built-in types too). What the body leaves out takes
    the type's defaults (`messaging`'s for a new type); the change applies from the next
    request on.

    Args:
        type_ (str):
        body (ChannelTypeInput): The body of `PUT /v1/channel-types/{type}`: what is left out
            takes the type's defaults
            (for a custom type, those of `messaging`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChannelTypeView | Problem
    """

    return (
        await asyncio_detailed(
            type_=type_,
            client=client,
            body=body,
        )
    ).parsed
