"""Two users chatting through Parley: the operator creates a tenant, the tenant's server
creates Alice and Bob and mints their tokens, each app connects in realtime, and they
exchange a few messages, one over REST and the others over the socket.

    PARLEY_URL=http://127.0.0.1:8080 PARLEY_ADMIN_TOKEN=$(cat parley-data/admin-token) python two_users.py
"""

import asyncio
import os
import time

from parley import AsyncParleyAdminClient, AsyncParleyServerClient, AsyncParleyUserClient, ParleyRealtime

base_url = os.environ.get("PARLEY_URL", "http://127.0.0.1:8080")


async def main() -> None:
    # The operator's part: a tenant, with its keys (shown once).
    async with AsyncParleyAdminClient(base_url, os.environ["PARLEY_ADMIN_TOKEN"]) as admin:
        tenant = await admin.create_tenant({"name": f"Example {time.time_ns()}"})

    # The tenant's backend: users and their tokens.
    backend = AsyncParleyServerClient(base_url, tenant.secret_key, signing_secret=tenant.signing_secret)
    await backend.upsert_user("alice", {"name": "Alice"})
    await backend.upsert_user("bob", {"name": "Bob"})

    # Each app: a REST client with a token provider (here: minted locally by the backend)
    # and a realtime client that prints what the others say.
    def app(user_id: str) -> tuple[AsyncParleyUserClient, ParleyRealtime]:
        client = AsyncParleyUserClient(
            base_url, tenant.publishable_key, lambda context: backend.mint_token(user_id, expires_in=3600)
        )
        realtime = ParleyRealtime(client)

        def show(event: dict) -> None:
            message = event["message"]
            if message["user_id"] != user_id:
                print(f"[{user_id}'s screen] {message['user_id']}: {message['text']}")

        realtime.on("message.new", show)
        realtime.on("state", lambda change: print(f"[{user_id}] {change.state}"))
        return client, realtime

    alice, alice_rt = app("alice")
    bob, bob_rt = app("bob")
    await asyncio.gather(alice_rt.connect(), bob_rt.connect())

    # Alice opens a channel with Bob; Bob is subscribed to it as he is added.
    channel = await alice.create_channel({"type": "messaging", "id": "example", "members": ["bob"]})
    heard = asyncio.ensure_future(bob_rt.next("message.new", lambda e: e["message"]["text"] == "See you!", timeout=10))

    await alice.send_message(channel.cid, {"text": "Hi Bob!"})  # REST
    await bob_rt.send_message(channel.cid, {"text": "Hello Alice!"})  # WebSocket, returns on ack
    await alice_rt.send_message(channel.cid, {"text": "See you!"})
    await heard

    await bob.mark_read(channel.cid)  # in a UI, `bob_rt.mark_read(cid)` throttles this
    print(f"Bob's unread count: {(await bob.unread()).total_unread_count}")
    history = await bob.history(channel.cid)
    print("history: " + " | ".join(f"{m.seq}:{m.text}" for m in history.items))

    for realtime in (alice_rt, bob_rt):
        await realtime.disconnect()
    for client in (alice, bob, backend):
        await client.aclose()


asyncio.run(main())
