"""User tokens: minted locally as HS256 JWTs with the standard library (no JWT package),
and held by the clients, which ask the app's token provider for a new one when the current
one has expired or the server refused it.

The server reads ``sub`` (the user id), ``exp`` (required), and ``iat`` and ``nbf`` (a token
issued or valid only in the future is refused, give or take 60 s). A user's name is set with
``PUT /v1/users/{user_id}``, not from the token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import inspect
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

#: Codes of a 401 that a new user token can cure.
TOKEN_CODES = ("token_expired", "invalid_token")


@dataclass(frozen=True)
class TokenContext:
    """What a token provider is told when it is called."""

    #: False for the first token; True when the current one expired or was refused.
    force_refresh: bool
    #: Why a new token is needed (``token_expired``, ``invalid_token``), if known.
    reason: str | None = None


#: Gives the user token, typically by asking the app's own backend (which mints it with
#: the tenant's secret key or signing secret). May be a plain function or a coroutine
#: function; the blocking clients need a plain one.
TokenProvider = Callable[[TokenContext], str | Awaitable[str]]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint_user_token(
    signing_secret: str,
    user_id: str,
    *,
    expires_in: int = 86_400,
    now: int | None = None,
    not_before: int | None = None,
) -> str:
    """Mints a user token: an HS256 JWT with ``sub``, ``iat`` and ``exp``.

    ``signing_secret`` is the tenant's (``signing_secret`` of its creation); ``expires_in``
    is the lifetime in seconds (the server refuses tokens beyond its ``max_token_ttl_s``,
    30 days by default); ``now`` the issue time in seconds since the epoch (default: now);
    ``not_before`` an optional ``nbf``.
    """
    iat = int(time.time() if now is None else now)
    claims: dict[str, object] = {"sub": user_id, "iat": iat, "exp": iat + int(expires_in)}
    if not_before is not None:
        claims["nbf"] = int(not_before)
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}"
    signature = hmac.new(signing_secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


def token_expiry(token: str) -> int | None:
    """The ``exp`` of a JWT (without checking its signature), or None if it has none."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, json.JSONDecodeError):
        return None
    exp = payload.get("exp") if isinstance(payload, dict) else None
    return exp if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None


def expires_within(token: str, seconds: float) -> bool:
    """Whether a JWT's ``exp`` is less than ``seconds`` away (False without an ``exp``:
    then only the server can tell)."""
    exp = token_expiry(token)
    return exp is not None and exp - time.time() < seconds


class _TokenSourceBase:
    def __init__(self, token: str | TokenProvider) -> None:
        self._current: str | None = token if isinstance(token, str) else None
        self._provider: TokenProvider | None = None if isinstance(token, str) else token

    @property
    def refreshable(self) -> bool:
        """Whether a new token can be asked for."""
        return self._provider is not None

    @property
    def current(self) -> str | None:
        """The token in use, if one was obtained yet."""
        return self._current

    def _needs_new(self) -> bool:
        # A token whose `exp` has passed is replaced before use; a clock ahead of the
        # server's is caught by the server's `token_expired`, which refreshes too.
        return self._current is None or (self._provider is not None and expires_within(self._current, 0))

    def _context(self, reason: str | None) -> TokenContext:
        if self._current is None:
            return TokenContext(force_refresh=False, reason=reason)
        return TokenContext(force_refresh=True, reason=reason or "token_expired")


class SyncTokenSource(_TokenSourceBase):
    """Holds the user token of a blocking client; concurrent threads share one refresh."""

    def __init__(self, token: str | TokenProvider) -> None:
        super().__init__(token)
        self._lock = threading.Lock()

    def get(self) -> str:
        """The current token, asking the provider for the first one or a new one once it expired."""
        if not self._needs_new():
            return self._current  # type: ignore[return-value]
        with self._lock:
            if not self._needs_new():
                return self._current  # type: ignore[return-value]
            return self._ask(None)

    def refresh(self, reason: str | None = None, *, stale: str | None = None) -> str:
        """Asks the provider for a new token. ``stale`` is the token found wanting: when
        another thread has replaced it meanwhile, that replacement is used instead."""
        with self._lock:
            if stale is not None and self._current != stale and not self._needs_new():
                return self._current  # type: ignore[return-value]
            return self._ask(reason)

    def _ask(self, reason: str | None) -> str:
        if self._provider is None:
            return self._current or ""
        token = self._provider(self._context(reason))
        if inspect.isawaitable(token):
            close = getattr(token, "close", None)
            if close:
                close()
            raise TypeError("the blocking clients need a token provider that returns a str, not a coroutine")
        self._current = token
        return token


class AsyncTokenSource(_TokenSourceBase):
    """Holds the user token of an asyncio client (and its realtime client); concurrent
    tasks share one refresh. The provider may be a plain or a coroutine function."""

    def __init__(self, token: str | TokenProvider) -> None:
        super().__init__(token)
        self._lock: asyncio.Lock | None = None

    def _locked(self) -> asyncio.Lock:
        # Created on first use, inside the event loop that uses it.
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def get(self) -> str:
        """The current token, asking the provider for the first one or a new one once it expired."""
        if not self._needs_new():
            return self._current  # type: ignore[return-value]
        async with self._locked():
            if not self._needs_new():
                return self._current  # type: ignore[return-value]
            return await self._ask(None)

    async def refresh(self, reason: str | None = None, *, stale: str | None = None) -> str:
        """Asks the provider for a new token. ``stale`` is the token found wanting: when
        another task has replaced it meanwhile, that replacement is used instead."""
        async with self._locked():
            if stale is not None and self._current != stale and not self._needs_new():
                return self._current  # type: ignore[return-value]
            return await self._ask(reason)

    async def _ask(self, reason: str | None) -> str:
        if self._provider is None:
            return self._current or ""
        token = self._provider(self._context(reason))
        if inspect.isawaitable(token):
            token = await token
        self._current = token
        return token
