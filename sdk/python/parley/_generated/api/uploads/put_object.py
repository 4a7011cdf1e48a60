from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, File, Response


def _get_kwargs(
    tenant_id: str,
    object_: str,
    *,
    body: File,
    expires: int,
    signature: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["expires"] = expires

    params["signature"] = signature

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/media/{tenant_id}/{object_}".format(
            tenant_id=quote(str(tenant_id), safe=""),
            object_=quote(str(object_), safe=""),
        ),
        "params": params,
    }

    _kwargs["content"] = body.payload
    headers["Content-Type"] = "application/octet-stream"

    _kwargs["headers"] = headers
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
    tenant_id: str,
    object_: str,
    *,
    client: AuthenticatedClient,
    body: File,
    expires: int,
    signature: str,
) -> Response[Any | Problem]:
    """Upload the bytes of an upload to its signed `put_url` (local media engine).

    Args:
        tenant_id (str):
        object_ (str):
        expires (int):
        signature (str):
        body (File): Raw file bytes.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        object_=object_,
        body=body,
        expires=expires,
        signature=signature,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    tenant_id: str,
    object_: str,
    *,
    client: AuthenticatedClient,
    body: File,
    expires: int,
    signature: str,
) -> Any | Problem | None:
    """Upload the bytes of an upload to its signed `put_url` (local media engine).

    Args:
        tenant_id (str):
        object_ (str):
        expires (int):
        signature (str):
        body (File): Raw file bytes.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return sync_detailed(
        tenant_id=tenant_id,
        object_=object_,
        client=client,
        body=body,
        expires=expires,
        signature=signature,
    ).parsed


async def asyncio_detailed(
    tenant_id: str,
    object_: str,
    *,
    client: AuthenticatedClient,
    body: File,
    expires: int,
    signature: str,
) -> Response[Any | Problem]:
    """Upload the bytes of an upload to its signed `put_url` (local media engine).

    Args:
        tenant_id (str):
        object_ (str):
        expires (int):
        signature (str):
        body (File): Raw file bytes.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        object_=object_,
        body=body,
        expires=expires,
        signature=signature,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant_id: str,
    object_: str,
    *,
    client: AuthenticatedClient,
    body: File,
    expires: int,
    signature: str,
) -> Any | Problem | None:
    """Upload the bytes of an upload to its signed `put_url` (local media engine).

    Args:
        tenant_id (str):
        object_ (str):
        expires (int):
        signature (str):
        body (File): Raw file bytes.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            object_=object_,
            client=client,
            body=body,
            expires=expires,
            signature=signature,
        )
    ).parsed
