"""Fixtures: one live server (and one tenant on it) per test module; modules that need a
differently configured server start their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import TestServer, TestTenant, create_tenant


@pytest.fixture(scope="module")
def server() -> Iterator[TestServer]:
    server = TestServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def tenant(server: TestServer) -> Iterator[TestTenant]:
    tenant = create_tenant(server)
    try:
        yield tenant
    finally:
        tenant.close()
