"""The HTTP plumbing every REST client shares, blocking and asyncio alike: user
credentials with one refresh of an expired token, the opt-in retry policy as an httpx
transport, channel ids split into path parameters, and client message ids."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncGenerator, Generator

import httpx

from .errors import ParleyError, RetryPolicy
from .tokens import TOKEN_CODES, AsyncTokenSource, SyncTokenSource


def channel_path(cid: str) -> tuple[str, str]:
    """Splits ``type:id`` into the path parameters of ``/v1/channels/{type}/{id}``."""
    kind, sep, ident = cid.partition(":")
    if not sep or not kind or not ident:
        raise ParleyError("invalid_request", 0, f"`{cid}` is not a channel id of the form type:id")
    return kind, ident


def client_id() -> str:
    """A random client message id (``^[A-Za-z0-9_-]{1,64}$``), so a send repeated after a
    lost answer or a reconnect is stored once."""
    return "c" + secrets.token_hex(16)


def _problem_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


class UserAuth(httpx.Auth):
    """Adds the publishable key and the user token to each request; after a 401
    ``token_expired`` or ``invalid_token`` it asks the token source for a new token once
    and sends the request again."""

    def __init__(self, api_key: str, tokens: SyncTokenSource | AsyncTokenSource) -> None:
        self.api_key = api_key
        self.tokens = tokens

    def _sign(self, request: httpx.Request, token: str) -> None:
        request.headers["X-Api-Key"] = self.api_key
        request.headers["Authorization"] = f"Bearer {token}"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        tokens = self.tokens
        assert isinstance(tokens, SyncTokenSource)
        token = tokens.get()
        self._sign(request, token)
        response = yield request
        code = None
        if response.status_code == 401 and tokens.refreshable:
            response.read()
            code = _problem_code(response)
        if code in TOKEN_CODES:
            self._sign(request, tokens.refresh(code, stale=token))
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        tokens = self.tokens
        assert isinstance(tokens, AsyncTokenSource)
        token = await tokens.get()
        self._sign(request, token)
        response = yield request
        code = None
        if response.status_code == 401 and tokens.refreshable:
            await response.aread()
            code = _problem_code(response)
        if code in TOKEN_CODES:
            self._sign(request, await tokens.refresh(code, stale=token))
            yield request


class SyncRetryingTransport(httpx.BaseTransport):
    """Sends a request again after a 429 or 503 (by default), waiting its ``Retry-After``."""

    def __init__(self, policy: RetryPolicy, inner: httpx.BaseTransport | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            response = self.inner.handle_request(request)
            delay = self.policy.delay(attempt, response)
            if delay is None:
                return response
            response.close()
            time.sleep(delay)
            attempt += 1

    def close(self) -> None:
        self.inner.close()


class AsyncRetryingTransport(httpx.AsyncBaseTransport):
    """Sends a request again after a 429 or 503 (by default), waiting its ``Retry-After``."""

    def __init__(self, policy: RetryPolicy, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            response = await self.inner.handle_async_request(request)
            delay = self.policy.delay(attempt, response)
            if delay is None:
                return response
            await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        await self.inner.aclose()
