"""A 429 against a server with a low per-user rate: it surfaces as a typed error with the
problem details and ``retry_after``, and the opt-in retry policy waits it out (blocking
and asyncio clients alike)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from harness import TestServer, TestTenant

from parley import AsyncParleyUserClient, ParleyError, ParleyUserClient, RetryPolicy


@pytest.fixture(scope="module")
def server() -> Iterator[TestServer]:
    server = TestServer("[limits]\nuser_requests_per_second = 1\n")
    try:
        yield server
    finally:
        server.stop()


def test_a_429_is_a_parley_error_with_retry_after(tenant: TestTenant) -> None:
    alice = tenant.user("alice")
    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(lambda _: _outcome(alice), range(6)))
    refused = [o for o in outcomes if isinstance(o, ParleyError)]
    assert refused, "some requests are over the rate"
    error = refused[0]
    assert error.status == 429
    assert error.code == "rate_limited"
    assert error.title and error.detail
    assert error.retry_after is not None and error.retry_after >= 1


def _outcome(client: ParleyUserClient) -> object:
    try:
        return client.me()
    except ParleyError as error:
        return error


async def test_the_retry_policy_honours_retry_after(server: TestServer, tenant: TestTenant) -> None:
    token = tenant.backend.create_token("alice").token
    async with AsyncParleyUserClient(
        server.base_url, tenant.publishable_key, token, retry=RetryPolicy(max_retries=10)
    ) as patient:
        users = await asyncio.gather(*(patient.me() for _ in range(4)))
    assert all(u.id == "alice" for u in users)
