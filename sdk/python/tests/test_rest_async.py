"""The asyncio REST clients against a live server: the same flows as the blocking ones
(channels, messages, reactions, threads, read state, history pages, uploads, webhooks,
typed errors) through ``AsyncParley…`` and the generated client's coroutines."""

from __future__ import annotations

import base64

import pytest
from harness import TestServer, TestTenant

from parley import AsyncParleyAdminClient, ParleyError, mint_user_token
from parley._generated.api.me import me as op_me

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


async def test_async_flows(server: TestServer, tenant: TestTenant) -> None:
    async with AsyncParleyAdminClient(server.base_url, server.admin_token) as admin:
        created = await admin.create_tenant({"name": "Initech"})
        assert (await admin.get_tenant(created.tenant.id)).name == "Initech"

    backend = tenant.async_backend()
    alice = tenant.async_user("alice")
    bob = tenant.async_user("bob", token=lambda context: mint_user_token(tenant.signing_secret, "bob", expires_in=600))
    try:
        cid = "messaging:async"
        channel = await alice.create_channel({"type": "messaging", "id": "async", "members": ["bob"]})
        assert channel.cid == cid
        hello = await alice.send_message(cid, {"text": "hello"})
        liked = await bob.add_reaction(hello.id, "like")
        assert liked.reaction_counts["like"] == 1
        reply = await bob.reply(cid, hello.id, {"text": "in the thread"})
        assert [m.id for m in (await alice.replies(hello.id)).items] == [reply.id]
        for i in range(12):
            await backend.send_message(cid, {"text": f"s{i}", "user_id": "alice"})
        unread = await bob.unread()
        assert next(c for c in unread.channels if c.cid == cid).unread_count == 13
        assert (await bob.mark_read(cid)).unread_count == 0

        pages = [[m.seq async for m in _items(page)] async for page in bob.history_pages(cid, limit=5)]
        assert [len(p) for p in pages] == [5, 5, 3]
        # Thread replies (the reply took seq 2) are not in the channel's history.
        assert [s for p in reversed(pages) for s in p] == [1, *range(3, 15)]

        attachment = await bob.upload_file(PNG, filename="dot.png", content_type="image/png")
        upload = await bob.get_upload(attachment.upload_id)
        assert await bob.download(upload.get_url) == PNG

        hook = await backend.create_webhook({"url": "http://127.0.0.1:9/unused", "event_types": ["member.added"]})
        assert [w.id for w in (await backend.list_webhooks()).items] == [hook.id]
        await backend.delete_webhook(hook.id)

        with pytest.raises(ParleyError) as caught:
            await alice.get_message("no-such-message")
        assert caught.value.status == 404
        assert caught.value.code == "message_not_found"

        answer = await op_me.asyncio_detailed(client=bob.api)
        assert answer.status_code == 200 and answer.parsed.id == "bob"
    finally:
        for client in (backend, alice, bob):
            await client.aclose()


async def _items(page):
    for item in page:
        yield item
