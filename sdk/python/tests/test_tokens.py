"""Locally minted tokens: standard HS256 JWTs with the claims the server reads."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from parley import TokenContext, expires_within, mint_user_token
from parley.tokens import AsyncTokenSource, SyncTokenSource


def _decode(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_a_minted_token_is_an_hs256_jwt_with_sub_iat_and_exp() -> None:
    token = mint_user_token("secret", "alice", expires_in=60, now=1_000)
    header, payload, signature = token.split(".")
    assert _decode(header) == {"alg": "HS256", "typ": "JWT"}
    assert _decode(payload) == {"sub": "alice", "iat": 1_000, "exp": 1_060}
    expected = hmac.new(b"secret", f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)) == expected
    assert "nbf" in _decode(mint_user_token("secret", "alice", not_before=5).split(".")[1])


def test_expiry_is_read_from_the_token() -> None:
    assert expires_within(mint_user_token("s", "u", expires_in=-1), 0)
    assert not expires_within(mint_user_token("s", "u", expires_in=600), 60)
    assert not expires_within("not-a-jwt", 60)


def test_the_blocking_source_asks_the_provider_again_once_the_token_expired() -> None:
    calls: list[TokenContext] = []

    def provider(context: TokenContext) -> str:
        calls.append(context)
        return mint_user_token("s", "u", expires_in=-1 if len(calls) == 1 else 600)

    tokens = SyncTokenSource(provider)
    first = tokens.get()
    assert calls == [TokenContext(force_refresh=False)]
    assert tokens.get() != first
    assert calls[1] == TokenContext(force_refresh=True, reason="token_expired")
    assert tokens.get() == tokens.current and len(calls) == 2


def test_the_blocking_source_refuses_a_coroutine_provider() -> None:
    async def provider(context: TokenContext) -> str:
        return "x"

    with pytest.raises(TypeError):
        SyncTokenSource(provider).get()


async def test_the_asyncio_source_takes_plain_and_coroutine_providers() -> None:
    async def provider(context: TokenContext) -> str:
        return f"token-{time.monotonic()}"

    tokens = AsyncTokenSource(provider)
    first = await tokens.get()
    assert await tokens.get() == first
    assert await tokens.refresh("invalid_token", stale=first) != first
    assert await AsyncTokenSource(lambda context: "plain").get() == "plain"
