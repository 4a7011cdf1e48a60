"""``resume.failed`` against a server that replays at most 3 events per channel: the
client refetches the channel through REST, reports it as ``resync``, continues from the
``seq`` the server gave, and keeps applying live events after it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from harness import TestServer, TestTenant, eventually

from parley import ParleyRealtime, ReconnectPolicy
from parley.realtime import ResyncEvent


@pytest.fixture(scope="module")
def server() -> Iterator[TestServer]:
    server = TestServer("max_resume_events = 3\n")
    try:
        yield server
    finally:
        server.stop()


async def test_resume_failed_refetches_reports_and_follows_the_servers_seq(tenant: TestTenant) -> None:
    cid = "messaging:far"
    tenant.backend.upsert_user("bob")
    alice = tenant.async_user("alice")
    await alice.create_channel({"type": "messaging", "id": "far", "members": ["bob"]})
    tenant.backend.send_message(cid, {"text": "before", "user_id": "bob"})

    rt = ParleyRealtime(alice, reconnect=ReconnectPolicy(initial_delay=0.1))
    seen: list[str] = []
    resyncs: list[ResyncEvent] = []
    rt.on("message.new", lambda e: seen.append(e["message"]["text"]))
    rt.on("resync", resyncs.append)
    try:
        await rt.connect()
        cursor = rt.cursors()[cid]
        assert cursor >= 2

        # Offline while six messages go by: more than the server will replay.
        await rt.disconnect()
        for i in range(1, 7):
            tenant.backend.send_message(cid, {"text": f"missed {i}", "user_id": "bob"})
        failed = asyncio.ensure_future(rt.next("resume.failed", timeout=5))
        await asyncio.sleep(0)  # listening before the connection opens
        await rt.connect()
        frame = await failed
        assert frame["cid"] == cid
        assert frame["reason"] == "too_far_behind"

        resync = await eventually(lambda: resyncs and resyncs[0], 5, "the resync")
        assert resync.cid == cid
        assert resync.seq == frame["seq"]
        assert resync.error is None
        assert resync.channel.cid == cid
        assert [m.text for m in resync.messages][-6:] == [f"missed {i}" for i in range(1, 7)]
        assert rt.cursors()[cid] == frame["seq"]
        assert rt.unread.get(cid).unread_count == 7
        assert seen == [], "no missed event was replayed live"

        tenant.backend.send_message(cid, {"text": "after", "user_id": "bob"})
        await eventually(lambda: "after" in seen, 5, "the next live message")
        assert rt.cursors()[cid] == frame["seq"] + 1
        assert rt.unread.get(cid).unread_count == 8
    finally:
        await rt.disconnect()
        await alice.aclose()
