/**
 * The realtime client against a live server: events, socket sends with acks, typing and
 * read marks, the unread cache; a connection killed mid-stream (the server restarted) while
 * another user keeps sending, after which every message is seen exactly once and in order;
 * an expired token refreshed before reconnecting; the SSE transport.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ParleyRealtime, mintUserToken, type Message, type StateChange } from "../src/server.js";
import { createTenant, eventually, startServer, type TestServer, type TestTenant } from "./harness.js";

let server: TestServer;
let tenant: TestTenant;
const open: ParleyRealtime[] = [];

before(async () => {
  server = await startServer();
  tenant = await createTenant(server);
  await tenant.server.upsertUser("bob");
});
after(async () => {
  for (const rt of open) rt.disconnect();
  await server?.stop();
});

/** A realtime client for `userId`, connected, whose `message.new` texts are collected per channel. */
async function connect(userId: string, options: ConstructorParameters<typeof ParleyRealtime>[1] = {}) {
  const client = await tenant.user(userId);
  const rt = new ParleyRealtime(client, { reconnect: { initialDelayMs: 100, maxDelayMs: 1000 }, ...options });
  open.push(rt);
  const seen: Message[] = [];
  const states: StateChange[] = [];
  rt.on("message.new", (event) => seen.push(event.message as unknown as Message));
  rt.on("state", (change) => states.push(change));
  await rt.connect();
  return { client, rt, seen, states };
}

describe("websocket", () => {
  test("events, acked sends, typing, read marks and the unread cache", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    const cid = "messaging:live";
    await alice.client.createChannel({ type: "messaging", id: "live", members: ["bob"] });

    // Bob was added while connected: the server subscribes him before the first event.
    const sent = await alice.rt.sendMessage(cid, { text: "over the socket" });
    assert.equal(sent.text, "over the socket");
    await eventually(() => bob.seen.some((m) => m.id === sent.id), 5000, "bob sees the message");
    await eventually(() => bob.rt.unread.get(cid)?.unreadCount === 1, 5000, "bob's unread count");

    const typing = bob.rt.next("typing.start", (e) => e.cid === cid);
    alice.rt.keystroke(cid);
    assert.equal((await typing).user_id, "alice");
    alice.rt.stopTyping(cid);

    const read = alice.rt.next("read.updated", (e) => e.cid === cid && e.user_id === "bob");
    bob.rt.markRead(cid);
    assert.equal(bob.rt.unread.get(cid)?.unreadCount, 0);
    assert.equal((await read).last_read_seq, sent.seq);
    assert.equal(alice.rt.unread.get(cid)?.readers.get("bob"), sent.seq);

    const refused = await alice.rt.sendMessage("messaging:nowhere", { text: "x" }).catch((e) => e);
    assert.equal(refused.code, "channel_not_found");
    alice.rt.disconnect();
    bob.rt.disconnect();
  });

  test("a connection killed mid-stream: every message arrives once and in order", async () => {
    const cid = "messaging:restart";
    const alice = await connect("alice");
    const added = alice.rt.next("notification.added_to_channel", (e) => e.cid === cid);
    await tenant.server.createChannel({ type: "messaging", id: "restart", members: ["alice", "bob"], user_id: "bob" });
    await added;

    let resumes = 0;
    alice.rt.on("resumed", () => resumes++);
    const total = 40;
    const sentIds: string[] = [];
    const sender = (async () => {
      for (let i = 1; i <= total; i++) {
        const id = `restart-${i}`;
        // Bob keeps sending through the outage; the client id makes each retry harmless.
        for (;;) {
          try {
            await tenant.server.sendMessage(cid, { id, text: `m${i}`, user_id: "bob" });
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        sentIds.push(id);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    await eventually(() => alice.seen.length >= 10, 10_000, "the first messages");
    await server.restart({ kill: true, downMs: 300 });
    await sender;

    await eventually(() => alice.seen.filter((m) => m.cid === cid).length >= total, 15_000, "every message");
    await new Promise((r) => setTimeout(r, 300));
    const texts = alice.seen.filter((m) => m.cid === cid).map((m) => m.text);
    assert.deepEqual(texts, Array.from({ length: total }, (_, i) => `m${i + 1}`));
    assert.ok(alice.states.some((s) => s.state === "reconnecting"), "the client reconnected by itself");
    assert.ok(resumes >= 1, "the client resumed its channels");
    assert.equal(alice.rt.state, "connected");
    alice.rt.disconnect();
  });

  test("an expired token is replaced through the provider before reconnecting", async () => {
    const calls: { forceRefresh: boolean; reason?: string }[] = [];
    const client = await tenant.user("erin", {
      token: async (context) => {
        calls.push(context);
        // The first token is already expired: the handshake is refused with `token_expired`.
        const expiresIn = calls.length === 1 ? -10 : 2;
        return mintUserToken({ signingSecret: tenant.signingSecret, userId: "erin", expiresIn });
      },
    });
    const rt = new ParleyRealtime(client, { reconnect: { initialDelayMs: 100, maxDelayMs: 500 } });
    open.push(rt);
    await rt.connect();
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1], { forceRefresh: true, reason: "token_expired" });
    await new Promise((r) => setTimeout(r, 2500));

    const reconnected = rt.next("state", (s) => s.state === "connected");
    await server.restart();
    await reconnected;
    assert.ok(calls.length >= 3, `provider called ${calls.length} times`);
    assert.equal(calls.at(-1)?.forceRefresh, true, "the provider was asked to refresh");
    rt.disconnect();
  });
});

describe("hidden events", () => {
  test("a shadow-banned member's messages leave seq gaps that resumed closes", async (t) => {
    const cid = "messaging:shadow";
    await tenant.server.upsertUser("mallory");
    const alice = await connect("alice");
    const added = alice.rt.next("notification.added_to_channel", (e) => e.cid === cid);
    await tenant.server.createChannel({ type: "messaging", id: "shadow", members: ["alice", "bob", "mallory"], user_id: "bob" });
    await added;
    await tenant.server.sendMessage(cid, { text: "first", user_id: "bob" });
    await eventually(() => alice.seen.some((m) => m.text === "first"), 5000, "first");
    await tenant.server.banUser("mallory", { shadow: true });

    let resumes = 0;
    alice.rt.on("resumed", () => resumes++);
    await tenant.server.sendMessage(cid, { text: "hidden", user_id: "mallory" });
    await tenant.server.sendMessage(cid, { text: "second", user_id: "bob" });
    await eventually(() => alice.seen.some((m) => m.text === "second"), 5000, "second");
    await tenant.server.sendMessage(cid, { text: "third", user_id: "bob" });
    await eventually(() => alice.seen.some((m) => m.text === "third"), 5000, "third");
    assert.deepEqual(
      alice.seen.filter((m) => m.cid === cid).map((m) => m.text),
      ["first", "second", "third"],
    );
    t.diagnostic(`resumes: ${resumes}, cursor: ${alice.rt.cursors()[cid]}`);
    assert.ok(resumes <= 1, `${resumes} resumes for one hidden event`);
    alice.rt.disconnect();
  });
});

describe("sse", () => {
  test("the SSE transport receives events and resumes after a restart", async () => {
    const cid = "messaging:sse";
    const carol = await connect("carol", { transport: "sse" });
    assert.equal(carol.rt.transportKind, "sse");
    await tenant.server.createChannel({ type: "messaging", id: "sse", members: ["carol", "bob"], user_id: "bob" });
    await tenant.server.sendMessage(cid, { text: "s1", user_id: "bob" });
    await eventually(() => carol.seen.some((m) => m.text === "s1"), 5000, "s1 over SSE");

    await server.restart({ kill: true });
    await tenant.server.sendMessage(cid, { text: "s2", user_id: "bob" });
    await eventually(() => carol.seen.some((m) => m.text === "s2"), 10_000, "s2 after the restart");
    const sent = await carol.rt.sendMessage(cid, { text: "s3" });
    assert.equal(sent.user_id, "carol");
    await eventually(() => carol.seen.some((m) => m.text === "s3"), 5000, "s3");
    assert.deepEqual(
      carol.seen.filter((m) => m.cid === cid).map((m) => m.text),
      ["s1", "s2", "s3"],
    );
    carol.rt.disconnect();
  });
});
