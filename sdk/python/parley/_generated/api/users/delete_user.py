from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delete_user_messages import DeleteUserMessages
from ...models.delete_user_mode import DeleteUserMode
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user_id: str,
    *,
    mode: DeleteUserMode | Unset = UNSET,
    messages: DeleteUserMessages | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_mode: str | Unset = UNSET
    if not isinstance(mode, Unset):
        json_mode = mode.value

    params["mode"] = json_mode

    json_messages: str | Unset = UNSET
    if not isinstance(messages, Unset):
        json_messages = messages.value

    params["messages"] = json_messages

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/v1/users/{user_id}".format(
            user_id=quote(str(user_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Problem | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

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
) -> Response[Any | Problem]:
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
    mode: DeleteUserMode | Unset = UNSET,
    messages: DeleteUserMessages | Unset = UNSET,
) -> Response[Any | Problem]:
    """Deactivate (soft) or delete (hard) a user.

    Args:
        user_id (str):
        mode (DeleteUserMode | Unset): How `DELETE /v1/users/{user_id}` treats the user.
        messages (DeleteUserMessages | Unset): What a hard delete does with the user's messages.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        mode=mode,
        messages=messages,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    user_id: str,
    *,
    client: AuthenticatedClient,
    mode: DeleteUserMode | Unset = UNSET,
    messages: DeleteUserMessages | Unset = UNSET,
) -> Any | Problem | None:
    """Deactivate (soft) or delete (hard) a user.

    Args:
        user_id (str):
        mode (DeleteUserMode | Unset): How `DELETE /v1/users/{user_id}` treats the user.
        messages (DeleteUserMessages | Unset): What a hard delete does with the user's messages.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return sync_detailed(
        user_id=user_id,
        client=client,
        mode=mode,
        messages=messages,
    ).parsed


async def asyncio_detailed(
    user_id: str,
    *,
    client: AuthenticatedClient,
    mode: DeleteUserMode | Unset = UNSET,
    messages: DeleteUserMessages | Unset = UNSET,
) -> Response[Any | Problem]:
    """Deactivate (soft) or delete (hard) a user.

    Args:
        user_id (str):
        mode (DeleteUserMode | Unset): How `DELETE /v1/users/{user_id}` treats the user.
        messages (DeleteUserMessages | Unset): What a hard delete does with the user's messages.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        mode=mode,
        messages=messages,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    user_id: str,
    *,
    client: AuthenticatedClient,
    mode: DeleteUserMode | Unset = UNSET,
    messages: DeleteUserMessages | Unset = UNSET,
) -> Any | Problem | None:
    """Deactivate (soft) or delete (hard) a user.

    Args:
        user_id (str):
        mode (DeleteUserMode | Unset): How `DELETE /v1/users/{user_id}` treats the user.
        messages (DeleteUserMessages | Unset): What a hard delete does with the user's messages.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return (
        await asyncio_detailed(
            user_id=user_id,
            client=client,
            mode=mode,
            messages=messages,
        )
    ).parsed
