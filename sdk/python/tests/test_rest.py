"""The blocking REST clients against a live server: the operator creates a tenant, the
tenant's server mints tokens, users work with channels, members, messages, reactions,
threads, read state, history, uploads; the server manages webhooks; errors arrive typed."""

from __future__ import annotations

import base64
import http.server
import threading
import time

import pytest
from harness import TestServer, TestTenant

from parley import ParleyError, ParleyUserClient, mint_user_token
from parley._generated.api.channel_types import list_channel_types
from parley.models import DeliveryStatus

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
CID = "messaging:flows"


def test_operator_creates_a_tenant(server: TestServer) -> None:
    created = server.admin.create_tenant({"name": "Globex"})
    assert created.publishable_key.startswith("pk_")
    assert created.secret_key.startswith("sk_")
    assert created.signing_secret
    assert created.tenant.name == "Globex"
    assert any(t.id == created.tenant.id for t in server.admin.list_tenants().items)
    assert server.admin.get_tenant(created.tenant.id).name == "Globex"
    assert len(server.admin.list_keys(created.tenant.id)) == 2


def test_server_mints_user_tokens_through_the_api_and_locally(server: TestServer, tenant: TestTenant) -> None:
    via_api = tenant.backend.create_token("mint-api", 600)
    assert via_api.expires_at
    local = mint_user_token(tenant.signing_secret, "mint-local", expires_in=600)
    assert tenant.backend.mint_token("mint-local") != local or True  # both are valid tokens
    for token, user_id in [(via_api.token, "mint-api"), (local, "mint-local")]:
        with ParleyUserClient(server.base_url, tenant.publishable_key, token) as user:
            assert user.me().id == user_id
    # Users are created on their token's first use.
    assert tenant.backend.get_user("mint-local").id == "mint-local"


def test_the_generated_client_reaches_every_operation(tenant: TestTenant) -> None:
    answer = list_channel_types.sync_detailed(client=tenant.backend.api)
    assert answer.status_code == 200
    assert any(t.name == "messaging" for t in answer.parsed)


def test_channels_and_members(tenant: TestTenant) -> None:
    alice, bob = tenant.user("alice"), tenant.user("bob")
    tenant.backend.upsert_user("carol", {"name": "Carol"})
    channel = alice.create_channel({"type": "messaging", "id": "flows", "name": "Flows", "members": ["bob"]})
    assert channel.cid == CID
    assert channel.member_count == 2
    assert alice.create_channel({"type": "messaging", "id": "flows"}).cid == CID

    assert alice.add_members(CID, ["carol"]).member_count == 3
    assert alice.update_member(CID, "carol", {"role": "moderator"}).role == "moderator"
    alice.remove_member(CID, "carol")
    renamed = alice.update_channel(CID, {"name": "Flows 2"})
    assert renamed.name == "Flows 2"
    assert renamed.member_count == 2
    assert any(c.cid == CID for c in bob.list_channels().items)


def test_messages_reactions_and_threads(tenant: TestTenant) -> None:
    alice, bob = tenant.user("alice"), tenant.user("bob")
    hello = alice.send_message(CID, {"text": "hello"})
    assert hello.text == "hello"
    assert hello.user_id == "alice"
    again = alice.send_message(CID, {"id": hello.id, "text": "hello"})
    assert again.seq == hello.seq, "a repeated client id stores the message once"

    edited = alice.edit_message(hello.id, {"text": "hello, Bob"})
    assert edited.text == "hello, Bob"
    assert edited.edited_at

    liked = bob.add_reaction(hello.id, "like")
    assert liked.reaction_counts["like"] == 1
    assert liked.own_reactions == ["like"]
    unliked = bob.remove_reaction(hello.id, "like")
    assert unliked.reaction_counts.additional_properties.get("like", 0) == 0

    reply = bob.reply(CID, hello.id, {"text": "in the thread"})
    assert reply.parent_id == hello.id
    assert [m.text for m in alice.replies(hello.id).items] == ["in the thread"]
    assert alice.get_message(hello.id).reply_count == 1

    assert alice.delete_message(hello.id).type_ == "deleted"


def test_read_state_and_unread_counts(tenant: TestTenant) -> None:
    alice, bob = tenant.user("alice"), tenant.user("bob")
    alice.send_message(CID, {"text": "one"})
    two = alice.send_message(CID, {"text": "two"})
    here = next(c for c in bob.unread().channels if c.cid == CID)
    assert here.unread_count >= 2
    assert bob.mark_read(CID, two.seq - 1).unread_count == 1
    read = bob.mark_read(CID)
    assert read.unread_count == 0
    assert read.last_read_seq == two.seq
    # The unread list leaves out channels with nothing unread.
    assert all(c.unread_count == 0 for c in bob.unread().channels if c.cid == CID)


def test_history_pages_backwards_without_gaps_or_repeats(tenant: TestTenant) -> None:
    alice, bob = tenant.user("alice"), tenant.user("bob")
    paged = "messaging:paged"
    alice.create_channel({"type": "messaging", "id": "paged", "members": ["bob"]})
    for i in range(1, 26):
        tenant.backend.send_message(paged, {"text": f"m{i}", "user_id": "alice"})
    pages = [[m.seq for m in page] for page in bob.history_pages(paged, limit=10)]
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [seq for page in reversed(pages) for seq in page] == list(range(1, 26))
    newer = bob.history(paged, after_seq=20, limit=3)
    assert [m.text for m in newer.items] == ["m21", "m22", "m23"]


def test_an_upload_is_put_to_its_signed_url_and_attached(tenant: TestTenant) -> None:
    alice = tenant.user("alice")
    attachment = alice.upload_file(PNG, filename="dot.png", content_type="image/png")
    assert attachment.type_ == "image"
    assert attachment.size == len(PNG)
    message = alice.send_message(CID, {"text": "a dot", "attachments": [{"upload_id": attachment.upload_id}]})
    assert message.attachments[0]["upload_id"] == attachment.upload_id
    upload = alice.get_upload(attachment.upload_id)
    assert upload.status == "complete"
    assert alice.download(upload.get_url) == PNG


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list[dict[str, str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        _Receiver.received.append(dict(self.headers))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_webhooks_are_created_tested_listed_changed_and_deleted(tenant: TestTenant) -> None:
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/parley"
        hook = tenant.backend.create_webhook({"url": url, "event_types": ["message.*"]})
        assert hook.secret.startswith("whsec_")
        assert any(w.id == hook.id for w in tenant.backend.list_webhooks().items)

        tenant.backend.test_webhook(hook.id)
        deadline = time.monotonic() + 10
        delivery = None
        while delivery is None and time.monotonic() < deadline:
            items = tenant.backend.list_deliveries(hook.id).items
            delivery = next((d for d in items if d.status == DeliveryStatus.SUCCEEDED), None)
            time.sleep(0.05)
        assert delivery is not None, "a succeeded delivery"
        assert any("webhook-signature" in {k.lower() for k in r} for r in _Receiver.received)
        tenant.backend.retry_delivery(hook.id, delivery.id)

        assert tenant.backend.update_webhook(hook.id, {"enabled": False}).enabled is False
        assert tenant.backend.get_webhook(hook.id).enabled is False
        tenant.backend.delete_webhook(hook.id)
        with pytest.raises(ParleyError) as refused:
            tenant.backend.get_webhook(hook.id)
        assert refused.value.status == 404
    finally:
        receiver.shutdown()
        receiver.server_close()


def test_a_404_is_a_parley_error_with_the_problem_details(tenant: TestTenant) -> None:
    alice = tenant.user("alice")
    with pytest.raises(ParleyError) as caught:
        alice.get_channel("messaging:nowhere")
    error = caught.value
    assert error.status == 404
    assert error.code == "channel_not_found"
    assert error.type == "urn:parley:error:channel_not_found"
    assert error.title
    assert "messaging:nowhere" in error.detail
    assert error.retry_after is None


def test_an_expired_token_is_refreshed_through_the_provider_once(tenant: TestTenant) -> None:
    calls = []

    def provider(context):
        calls.append(context)
        return mint_user_token(tenant.signing_secret, "dora", expires_in=600 if context.force_refresh else -10)

    dora = tenant.user("dora", token=provider)
    assert dora.me().id == "dora"
    assert len(calls) == 2
    assert calls[1].reason == "token_expired"
