"""Both examples run against a live server and print what README.md says they print."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness import TestServer, create_tenant

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(script: str, env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_quickstart(server: TestServer) -> None:
    tenant = create_tenant(server, "Quickstart")
    lines = run(
        "quickstart.py",
        {
            "PARLEY_URL": server.base_url,
            "PARLEY_SECRET_KEY": tenant.secret_key,
            "PARLEY_SIGNING_SECRET": tenant.signing_secret,
            "PARLEY_PUBLISHABLE_KEY": tenant.publishable_key,
        },
    )
    tenant.close()
    assert lines[:2] == ["connection: connecting", "connection: connected"]
    assert lines[-1] == "connection: disconnected"
    # Events arrive while the script goes on: their lines are in order among the others.
    assert [line for line in lines if line.startswith("messaging:")] == [
        "messaging:quickstart alice: Hello over REST",
        "messaging:quickstart alice: Hello over the socket",
        "messaging:quickstart bob: Hi Alice, Bob here",
    ]
    assert "404 channel_not_found: no channel `messaging:does-not-exist`" in lines
    assert len(lines) == 7


def test_two_users(server: TestServer) -> None:
    lines = run("two_users.py", {"PARLEY_URL": server.base_url, "PARLEY_ADMIN_TOKEN": server.admin_token})
    assert "[bob's screen] alice: Hi Bob!" in lines
    assert "[alice's screen] bob: Hello Alice!" in lines
    assert "[bob's screen] alice: See you!" in lines
    assert "Bob's unread count: 0" in lines
    assert "history: 1:Hi Bob! | 2:Hello Alice! | 3:See you!" in lines
    assert lines[-2:] == ["[alice] disconnected", "[bob] disconnected"]
