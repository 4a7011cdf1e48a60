/**
 * The REST clients against a live server: the operator creates a tenant, the tenant's
 * server mints tokens, users work with channels, members, messages, reactions, threads,
 * read state, history, uploads; the server manages webhooks; errors arrive typed.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { ParleyError, ParleyUserClient, mintUserToken } from "../src/server.js";
import { createTenant, eventually, startServer, type TestServer, type TestTenant } from "./harness.js";

let server: TestServer;
let tenant: TestTenant;

before(async () => {
  server = await startServer();
  tenant = await createTenant(server);
});
after(async () => {
  await server?.stop();
});

describe("operator and tenant server", () => {
  test("the operator creates a tenant and gets its keys", async () => {
    const created = await server.admin.createTenant({ name: "Globex" });
    assert.match(created.publishable_key, /^pk_/);
    assert.match(created.secret_key, /^sk_/);
    assert.ok(created.signing_secret.length > 0);
    assert.equal(created.tenant.name, "Globex");
    const listed = await server.admin.listTenants();
    assert.ok(listed.items.some((t) => t.id === created.tenant.id));
    const fetched = await server.admin.getTenant(created.tenant.id);
    assert.equal(fetched.name, "Globex");
  });

  test("the server mints user tokens through the API and locally", async () => {
    const viaApi = await tenant.server.createToken("mint-api", 600);
    assert.ok(viaApi.expires_at);
    const local = await mintUserToken({ signingSecret: tenant.signingSecret, userId: "mint-local", expiresIn: 600 });
    for (const [token, id] of [
      [viaApi.token, "mint-api"],
      [local, "mint-local"],
    ] as const) {
      const user = new ParleyUserClient({ baseUrl: server.baseUrl, apiKey: tenant.publishableKey, token });
      assert.equal((await user.me()).id, id);
    }
    // Users are created on their token's first use.
    assert.equal((await tenant.server.getUser("mint-local")).id, "mint-local");
  });

  test("the typed client reaches operations without a convenience method", async () => {
    const { data } = await tenant.server.api.GET("/v1/channel-types");
    assert.ok(data?.some((t) => t.name === "messaging"));
  });
});

describe("users' flows", () => {
  let alice: ParleyUserClient;
  let bob: ParleyUserClient;
  const cid = "messaging:flows";

  before(async () => {
    alice = await tenant.user("alice");
    bob = await tenant.user("bob");
    await tenant.server.upsertUser("carol", { name: "Carol" });
  });

  test("channels and members", async () => {
    const channel = await alice.createChannel({ type: "messaging", id: "flows", name: "Flows", members: ["bob"] });
    assert.equal(channel.cid, cid);
    assert.equal(channel.member_count, 2);
    const again = await alice.createChannel({ type: "messaging", id: "flows" });
    assert.equal(again.cid, cid);

    const withCarol = await alice.addMembers(cid, ["carol"]);
    assert.equal(withCarol.member_count, 3);
    const moderator = await alice.updateMember(cid, "carol", { role: "moderator" });
    assert.equal(moderator.role, "moderator");
    await alice.removeMember(cid, "carol");
    const renamed = await alice.updateChannel(cid, { name: "Flows 2" });
    assert.equal(renamed.name, "Flows 2");
    assert.equal(renamed.member_count, 2);

    const bobs = await bob.listChannels();
    assert.ok(bobs.items.some((c) => c.cid === cid));
  });

  test("messages, reactions and threads", async () => {
    const hello = await alice.sendMessage(cid, { text: "hello" });
    assert.equal(hello.text, "hello");
    assert.equal(hello.user_id, "alice");
    const again = await alice.sendMessage(cid, { id: hello.id, text: "hello" });
    assert.equal(again.seq, hello.seq, "a repeated client id stores the message once");

    const edited = await alice.editMessage(hello.id, { text: "hello, Bob" });
    assert.equal(edited.text, "hello, Bob");
    assert.ok(edited.edited_at);

    const liked = await bob.addReaction(hello.id, "like");
    assert.equal(liked.reaction_counts.like, 1);
    assert.deepEqual(liked.own_reactions, ["like"]);
    const unliked = await bob.removeReaction(hello.id, "like");
    assert.equal(unliked.reaction_counts.like ?? 0, 0);

    const reply = await bob.reply(cid, hello.id, { text: "in the thread" });
    assert.equal(reply.parent_id, hello.id);
    const replies = await alice.replies(hello.id);
    assert.deepEqual(
      replies.items.map((m) => m.text),
      ["in the thread"],
    );
    assert.equal((await alice.getMessage(hello.id)).reply_count, 1);

    const deleted = await alice.deleteMessage(hello.id);
    assert.equal(deleted.type, "deleted");
  });

  test("read state and unread counts", async () => {
    await alice.sendMessage(cid, { text: "one" });
    const two = await alice.sendMessage(cid, { text: "two" });
    const unread = await bob.unread();
    const here = unread.channels.find((c) => c.cid === cid);
    assert.ok(here && here.unread_count >= 2, `unread: ${JSON.stringify(unread)}`);
    const partly = await bob.markRead(cid, two.seq - 1);
    assert.equal(partly.unread_count, 1);
    const read = await bob.markRead(cid);
    assert.equal(read.unread_count, 0);
    assert.equal(read.last_read_seq, two.seq);
    // The unread list leaves out channels with nothing unread.
    assert.equal((await bob.unread()).channels.find((c) => c.cid === cid)?.unread_count ?? 0, 0);
  });

  test("history pages backwards without gaps or repeats", async () => {
    const paged = "messaging:paged";
    await alice.createChannel({ type: "messaging", id: "paged", members: ["bob"] });
    for (let i = 1; i <= 25; i++) await tenant.server.sendMessage(paged, { text: `m${i}`, user_id: "alice" });
    const pages: number[][] = [];
    for await (const page of bob.historyPages(paged, { limit: 10 })) pages.push(page.map((m) => m.seq));
    assert.deepEqual(pages.map((p) => p.length), [10, 10, 5]);
    assert.deepEqual(pages.reverse().flat(), Array.from({ length: 25 }, (_, i) => i + 1));
    const newer = await bob.history(paged, { after_seq: 20, limit: 3 });
    assert.deepEqual(newer.items.map((m) => m.text), ["m21", "m22", "m23"]);
  });

  test("an upload is PUT to its signed URL and attached to a message", async () => {
    const png = Uint8Array.from(
      atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
      (c) => c.charCodeAt(0),
    );
    const attachment = await alice.uploadFile(png, { filename: "dot.png", contentType: "image/png" });
    assert.equal(attachment.type, "image");
    assert.equal(attachment.size, png.byteLength);
    const message = await alice.sendMessage(cid, { text: "a dot", attachments: [{ upload_id: attachment.upload_id }] });
    assert.equal((message.attachments[0] as { upload_id?: string }).upload_id, attachment.upload_id);
    const upload = await alice.getUpload(attachment.upload_id);
    const download = await fetch((upload as { url?: string }).url!);
    assert.equal(download.status, 200);
    assert.deepEqual(new Uint8Array(await download.arrayBuffer()), png);
  });
});

describe("webhooks", () => {
  test("an endpoint is created, tested, listed, changed and deleted", async () => {
    const received: { headers: IncomingMessage["headers"]; body: string }[] = [];
    const receiver = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const port = (receiver.address() as { port: number }).port;
    try {
      const hook = await tenant.server.createWebhook({ url: `http://127.0.0.1:${port}/parley`, event_types: ["message.*"] });
      assert.match(hook.secret ?? "", /^whsec_/);
      assert.ok((await tenant.server.listWebhooks()).items.some((w) => w.id === hook.id));

      await tenant.server.testWebhook(hook.id);
      const delivery = await eventually(async () => {
        const { items } = await tenant.server.listDeliveries(hook.id);
        return items.find((d) => d.status === "succeeded");
      }, 10_000, "a succeeded delivery");
      assert.ok(delivery);
      assert.ok(received.some((r) => typeof r.headers["webhook-signature"] === "string"));
      await tenant.server.retryDelivery(hook.id, delivery.id);

      const disabled = await tenant.server.updateWebhook(hook.id, { enabled: false });
      assert.equal(disabled.enabled, false);
      assert.equal((await tenant.server.getWebhook(hook.id)).enabled, false);
      await tenant.server.deleteWebhook(hook.id);
      await assert.rejects(tenant.server.getWebhook(hook.id), (e: ParleyError) => e.status === 404);
    } finally {
      receiver.close();
    }
  });
});

describe("errors", () => {
  test("a 404 is a ParleyError with the problem details", async () => {
    const alice = await tenant.user("alice");
    const error = await alice.getChannel("messaging:nowhere").catch((e: unknown) => e);
    assert.ok(error instanceof ParleyError);
    assert.equal(error.status, 404);
    assert.equal(error.code, "channel_not_found");
    assert.equal(error.type, "urn:parley:error:channel_not_found");
    assert.ok(error.title.length > 0);
    assert.match(error.detail, /messaging:nowhere/);
    assert.equal(error.retryAfter, undefined);
  });

  test("an expired token is refreshed through the provider once", async () => {
    let calls = 0;
    const user = await tenant.user("dora", {
      token: async ({ forceRefresh }) => {
        calls++;
        return mintUserToken({ signingSecret: tenant.signingSecret, userId: "dora", expiresIn: forceRefresh ? 600 : -10 });
      },
    });
    assert.equal((await user.me()).id, "dora");
    assert.equal(calls, 2);
  });
});
