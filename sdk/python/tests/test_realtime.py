"""The realtime client against a live server: events, socket sends with acks, typing and
read marks, the unread cache; a server killed mid-stream while another user keeps sending,
after which every message is seen exactly once and in order; an expired token refreshed
through the provider before reconnecting; a shadow-banned member's hidden events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from harness import TestServer, TestTenant, eventually

from parley import AsyncParleyUserClient, ParleyError, ParleyRealtime, ReconnectPolicy, mint_user_token
from parley.realtime import StateChange

FAST = ReconnectPolicy(initial_delay=0.1, max_delay=1.0)


@dataclass
class Session:
    client: AsyncParleyUserClient
    rt: ParleyRealtime
    seen: list[dict[str, Any]] = field(default_factory=list)
    states: list[StateChange] = field(default_factory=list)

    def texts(self, cid: str) -> list[str]:
        return [m["text"] for m in self.seen if m["cid"] == cid]


@pytest.fixture
async def sessions() -> AsyncIterator[list[Session]]:
    opened: list[Session] = []
    yield opened
    for session in opened:
        await session.rt.disconnect()
        await session.client.aclose()


async def connect(tenant: TestTenant, sessions: list[Session], user_id: str, **options: Any) -> Session:
    """A realtime client for ``user_id``, connected, collecting its ``message.new`` messages."""
    client = tenant.async_user(user_id)
    session = Session(client, ParleyRealtime(client, reconnect=FAST, **options))
    session.rt.on("message.new", lambda event: session.seen.append(event["message"]))
    session.rt.on("state", session.states.append)
    sessions.append(session)
    await session.rt.connect()
    return session


async def test_events_acked_sends_typing_read_marks_and_the_unread_cache(
    tenant: TestTenant, sessions: list[Session]
) -> None:
    alice = await connect(tenant, sessions, "alice")
    bob = await connect(tenant, sessions, "bob")
    cid = "messaging:live"
    await alice.client.create_channel({"type": "messaging", "id": "live", "members": ["bob"]})

    # Bob was added while connected: the server subscribes him before the first event.
    sent = await alice.rt.send_message(cid, {"text": "over the socket"})
    assert sent["text"] == "over the socket"
    await eventually(lambda: any(m["id"] == sent["id"] for m in bob.seen), 5, "bob sees the message")
    await eventually(
        lambda: (bob.rt.unread.get(cid) or None) and bob.rt.unread.get(cid).unread_count == 1, 5, "bob's unread count"
    )

    typing = asyncio.ensure_future(bob.rt.next("typing.start", lambda e: e["cid"] == cid, timeout=5))
    await asyncio.sleep(0)
    alice.rt.keystroke(cid)
    assert (await typing)["user_id"] == "alice"
    alice.rt.stop_typing(cid)

    read = asyncio.ensure_future(
        alice.rt.next("read.updated", lambda e: e["cid"] == cid and e["user_id"] == "bob", timeout=5)
    )
    await asyncio.sleep(0)
    bob.rt.mark_read(cid)
    assert bob.rt.unread.get(cid).unread_count == 0
    assert (await read)["last_read_seq"] == sent["seq"]
    assert alice.rt.unread.get(cid).readers["bob"] == sent["seq"]

    with pytest.raises(ParleyError) as refused:
        await alice.rt.send_message("messaging:nowhere", {"text": "x"})
    assert refused.value.code == "channel_not_found"


async def test_a_server_killed_mid_stream_every_message_arrives_once_and_in_order(
    server: TestServer, tenant: TestTenant, sessions: list[Session]
) -> None:
    cid = "messaging:restart"
    alice = await connect(tenant, sessions, "alice")
    added = asyncio.ensure_future(alice.rt.next("notification.added_to_channel", lambda e: e["cid"] == cid, timeout=5))
    await asyncio.sleep(0)
    backend = tenant.async_backend()
    await backend.create_channel({"type": "messaging", "id": "restart", "members": ["alice", "bob"], "user_id": "bob"})
    await added

    resumes = []
    alice.rt.on("resumed", resumes.append)
    total = 40

    async def bob_keeps_sending() -> None:
        for i in range(1, total + 1):
            # Through the outage; the client id makes each retry harmless.
            while True:
                try:
                    await backend.send_message(cid, {"id": f"restart-{i}", "text": f"m{i}", "user_id": "bob"})
                    break
                except ParleyError:
                    await asyncio.sleep(0.05)
            await asyncio.sleep(0.015)

    sender = asyncio.ensure_future(bob_keeps_sending())
    try:
        await eventually(lambda: len(alice.texts(cid)) >= 10, 10, "the first messages")
        await server.arestart(kill=True, down=0.3)
        await sender
        await eventually(lambda: len(alice.texts(cid)) >= total, 15, "every message")
        await asyncio.sleep(0.3)
    finally:
        sender.cancel()
        await backend.aclose()
    assert alice.texts(cid) == [f"m{i}" for i in range(1, total + 1)]
    assert any(s.state == "reconnecting" for s in alice.states), "the client reconnected by itself"
    assert resumes, "the client resumed its channels"
    assert alice.rt.state == "connected"


async def test_an_expired_token_is_replaced_through_the_provider_before_reconnecting(
    server: TestServer, tenant: TestTenant, sessions: list[Session]
) -> None:
    calls = []

    async def provider(context):
        calls.append(context)
        # The first token is already expired: the handshake is refused with `token_expired`.
        return mint_user_token(tenant.signing_secret, "erin", expires_in=-10 if len(calls) == 1 else 2)

    tenant.backend.upsert_user("erin")
    client = AsyncParleyUserClient(server.base_url, tenant.publishable_key, provider)
    rt = ParleyRealtime(client, reconnect=ReconnectPolicy(initial_delay=0.1, max_delay=0.5))
    sessions.append(Session(client, rt))
    await rt.connect()
    assert len(calls) == 2
    assert calls[1].force_refresh and calls[1].reason == "token_expired"
    await asyncio.sleep(2.5)  # the second token expires meanwhile; the open connection stays

    reconnected = asyncio.ensure_future(rt.next("state", lambda s: s.state == "connected", timeout=15))
    await asyncio.sleep(0)
    await server.arestart()
    await reconnected
    assert len(calls) >= 3, f"provider called {len(calls)} times"
    assert calls[-1].force_refresh, "the provider was asked to refresh"


async def test_a_shadow_banned_members_messages_leave_gaps_that_resumed_closes(
    tenant: TestTenant, sessions: list[Session]
) -> None:
    cid = "messaging:shadow"
    tenant.backend.upsert_user("mallory")
    alice = await connect(tenant, sessions, "alice")
    added = asyncio.ensure_future(alice.rt.next("notification.added_to_channel", lambda e: e["cid"] == cid, timeout=5))
    await asyncio.sleep(0)
    tenant.backend.create_channel(
        {"type": "messaging", "id": "shadow", "members": ["alice", "bob", "mallory"], "user_id": "bob"}
    )
    await added
    tenant.backend.send_message(cid, {"text": "first", "user_id": "bob"})
    await eventually(lambda: "first" in alice.texts(cid), 5, "first")
    tenant.backend.ban_user("mallory", {"shadow": True})

    resumes = []
    alice.rt.on("resumed", resumes.append)
    tenant.backend.send_message(cid, {"text": "hidden", "user_id": "mallory"})
    tenant.backend.send_message(cid, {"text": "second", "user_id": "bob"})
    await eventually(lambda: "second" in alice.texts(cid), 5, "second")
    tenant.backend.send_message(cid, {"text": "third", "user_id": "bob"})
    await eventually(lambda: "third" in alice.texts(cid), 5, "third")
    assert alice.texts(cid) == ["first", "second", "third"]
    assert len(resumes) <= 1, f"{len(resumes)} resumes for one hidden event"
