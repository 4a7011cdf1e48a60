"""The quick start of README.md: a tenant's server creates users, a user's app listens for
events and sends messages over REST and over the socket, and an error is handled.

    PARLEY_SECRET_KEY=sk_… PARLEY_SIGNING_SECRET=… PARLEY_PUBLISHABLE_KEY=pk_… python quickstart.py
"""

import asyncio
import os

from parley import AsyncParleyUserClient, ParleyError, ParleyRealtime, ParleyServerClient, RetryPolicy

base_url = os.environ.get("PARLEY_URL", "http://127.0.0.1:8080")

# On your server: the secret key and the signing secret of your tenant (blocking client).
server = ParleyServerClient(
    base_url,
    os.environ["PARLEY_SECRET_KEY"],
    signing_secret=os.environ["PARLEY_SIGNING_SECRET"],
)
server.upsert_user("alice", {"name": "Alice"})
server.upsert_user("bob", {"name": "Bob"})


async def main() -> None:
    # In the app (here in the same process): the publishable key and a token provider,
    # which your app would point at your own backend. It is asked again when a token expires.
    alice = AsyncParleyUserClient(
        base_url,
        os.environ["PARLEY_PUBLISHABLE_KEY"],
        lambda context: server.mint_token("alice", expires_in=3600),
        retry=RetryPolicy(max_retries=3),  # wait out 429 and 503 answers (Retry-After)
    )

    # Listen for events: every channel Alice is a member of, resumed across reconnects.
    realtime = ParleyRealtime(alice)
    realtime.on("message.new", lambda e: print(f"{e['cid']} {e['message']['user_id']}: {e['message']['text']}"))
    realtime.on("state", lambda change: print(f"connection: {change.state}"))
    await realtime.connect()

    # Send a message, over REST or over the socket (returns the stored message on ack).
    channel = await alice.create_channel({"type": "messaging", "id": "quickstart", "members": ["bob"]})
    await alice.send_message(channel.cid, {"text": "Hello over REST"})
    await realtime.send_message(channel.cid, {"text": "Hello over the socket"})
    # (A blocking client inside a coroutine: run its calls in a thread.)
    await asyncio.to_thread(server.send_message, channel.cid, {"text": "Hi Alice, Bob here", "user_id": "bob"})

    # Errors are ParleyError with the problem details.
    try:
        await alice.get_channel("messaging:does-not-exist")
    except ParleyError as error:
        print(f"{error.status} {error.code}: {error.detail}")

    await asyncio.sleep(0.5)  # let the last event arrive
    await realtime.disconnect()
    await alice.aclose()


asyncio.run(main())
server.close()
