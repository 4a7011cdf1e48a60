from http import HTTPStatus
from io import BytesIO
from typing import Any
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
    expires: int,
    signature: str,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["expires"] = expires

    params["signature"] = signature

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/media/{tenant_id}/{object_}".format(
            tenant_id=quote(str(tenant_id), safe=""),
            object_=quote(str(object_), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> File | Problem | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

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
) -> Response[File | Problem]:
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
    expires: int,
    signature: str,
) -> Response[File | Problem]:
    """Download a file or thumbnail through its signed URL (local media engine).

    Args:
        tenant_id (str):
        object_ (str):
        expires (int):
        signature (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[File | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        object_=object_,
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
    expires: int,
    signature: str,
) -> File | Problem | None:
    """Download a file or thumbnail through its signed URL (local media engine).

    Args:
        tenant_id (str):
        object_ (str):
        expires (int):
        signature (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | Problem
    """

    return sync_detailed(
        tenant_id=tenant_id,
        object_=object_,
        client=client,
        expires=expires,
        signature=signature,
    ).parsed


async def asyncio_detailed(
    tenant_id: str,
    object_: str,
    *,
    client: AuthenticatedClient,
    expires: int,
    signature: str,
) -> Response[File | Problem]:
    """Download a file or thumbnail through its signed URL (local media engine).

    Args:
        tenant_id (str):
        object_ (str):
        expires (int):
        signature (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[File | Problem]
    """

    kwargs = _get_kwargs(
        tenant_id=tenant_id,
        object_=object_,
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
    expires: int,
    signature: str,
) -> File | Problem | None:
    """Download a file or thumbnail through its signed URL (local media engine).

    Args:
        tenant_id (str):
        object_ (str):
        expires (int):
        signature (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | Problem
    """

    return (
        await asyncio_detailed(
            tenant_id=tenant_id,
            object_=object_,
            client=client,
            expires=expires,
            signature=signature,
        )
    ).parsed
