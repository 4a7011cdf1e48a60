"""Starts real ``parley serve`` processes for the tests: SQLite in a fresh temporary data
directory, a free port, a known operator token, and any extra ``parley.toml`` settings.
The binary is ``$PARLEY_BIN``, or the workspace's debug build."""

from __future__ import annotations

import asyncio
import atexit
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from parley import (
    AsyncParleyServerClient,
    AsyncParleyUserClient,
    ParleyAdminClient,
    ParleyServerClient,
    ParleyUserClient,
    TokenProvider,
)

REPO = Path(__file__).resolve().parents[3]
BINARY = os.environ.get("PARLEY_BIN") or str(REPO / "target" / "debug" / "parley")

_running: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _kill_leftovers() -> None:
    # A failed or interrupted run must not leave servers behind.
    for proc in list(_running):
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestServer:
    """One ``parley serve`` process; ``restart`` keeps its port and data directory."""

    __test__ = False

    def __init__(self, config: str = "") -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="parley-sdk-python-"))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.admin_token = f"adm_test_{secrets.token_hex(8)}"
        self.config_path = self.dir / "parley.toml"
        # A short shutdown grace keeps restarts quick.
        self.config_path.write_text(f"[realtime]\nshutdown_grace_ms = 200\n{config}\n")
        self.log_path = self.dir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.launch()
        self.admin = ParleyAdminClient(self.base_url, self.admin_token)

    def launch(self) -> None:
        env = {
            **os.environ,
            "PARLEY_ADMIN_TOKEN": self.admin_token,
            "PARLEY_ALLOW_PRIVATE_URLS": "true",
            "PARLEY_LOG": "warn",
        }
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                BINARY,
                "serve",
                "--config",
                str(self.config_path),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--data-dir",
                str(self.dir / "data"),
            ],
            cwd=self.dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        _running.add(self.proc)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"parley exited ({self.proc.returncode}):\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/readyz", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass  # not listening yet
            time.sleep(0.05)
        raise RuntimeError(f"parley did not become ready on {self.base_url}:\n{self.log_path.read_text()}")

    def halt(self, sig: int = signal.SIGTERM) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        _running.discard(proc)

    def restart(self, *, kill: bool = False, down: float = 0.0) -> None:
        """Stops the process (SIGKILL: a crash; otherwise SIGTERM) and starts it again."""
        self.halt(signal.SIGKILL if kill else signal.SIGTERM)
        if down:
            time.sleep(down)
        self.launch()

    async def arestart(self, *, kill: bool = False, down: float = 0.0) -> None:
        """``restart`` from a coroutine, without blocking the event loop meanwhile."""
        await asyncio.to_thread(self.restart, kill=kill, down=down)

    def stop(self) -> None:
        self.halt()
        self.admin.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class TestTenant:
    __test__ = False

    server: TestServer
    publishable_key: str
    secret_key: str
    signing_secret: str
    backend: ParleyServerClient
    _closables: list[Any] = field(default_factory=list)

    def user(self, user_id: str, token: str | TokenProvider | None = None, **options: Any) -> ParleyUserClient:
        """A blocking user client for ``user_id`` (created first), with a token from the API."""
        self.backend.upsert_user(user_id, {"name": user_id})
        client = ParleyUserClient(
            self.server.base_url,
            self.publishable_key,
            token if token is not None else self.backend.create_token(user_id).token,
            **options,
        )
        self._closables.append(client)
        return client

    def async_user(
        self, user_id: str, token: str | TokenProvider | None = None, **options: Any
    ) -> AsyncParleyUserClient:
        """An asyncio user client for ``user_id`` (created first), with a token from the API."""
        self.backend.upsert_user(user_id, {"name": user_id})
        return AsyncParleyUserClient(
            self.server.base_url,
            self.publishable_key,
            token if token is not None else self.backend.create_token(user_id).token,
            **options,
        )

    def async_backend(self) -> AsyncParleyServerClient:
        return AsyncParleyServerClient(self.server.base_url, self.secret_key, signing_secret=self.signing_secret)

    def close(self) -> None:
        for client in self._closables:
            client.close()
        self.backend.close()


def create_tenant(server: TestServer, name: str = "Acme") -> TestTenant:
    created = server.admin.create_tenant({"name": name})
    return TestTenant(
        server=server,
        publishable_key=created.publishable_key,
        secret_key=created.secret_key,
        signing_secret=created.signing_secret,
        backend=ParleyServerClient(server.base_url, created.secret_key, signing_secret=created.signing_secret),
    )


T = TypeVar("T")


async def eventually(check: Callable[[], T | Awaitable[T]], timeout: float = 10.0, what: str = "condition") -> T:
    """Waits until ``check`` returns something truthy, or fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.025)
