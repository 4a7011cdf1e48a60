/**
 * `resume.failed` against a server that replays at most 3 events per channel: the client
 * refetches the channel through REST, reports it as `resync`, continues from the `seq` the
 * server gave, and keeps applying live events after it.
 */

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ParleyRealtime, type Message, type ResyncEvent } from "../src/server.js";
import { createTenant, eventually, startServer, type TestServer } from "./harness.js";

let server: TestServer;
before(async () => {
  server = await startServer("max_resume_events = 3\n");
});
after(async () => {
  await server?.stop();
});

test("resume.failed: the channel is refetched, reported, and followed from the server's seq", async () => {
  const tenant = await createTenant(server);
  const cid = "messaging:far";
  await tenant.server.upsertUser("bob");
  const alice = await tenant.user("alice");
  await alice.createChannel({ type: "messaging", id: "far", members: ["bob"] });
  await tenant.server.sendMessage(cid, { text: "before", user_id: "bob" });

  const rt = new ParleyRealtime(alice, { reconnect: { initialDelayMs: 100 } });
  const seen: Message[] = [];
  const resyncs: ResyncEvent[] = [];
  rt.on("message.new", (e) => seen.push(e.message as unknown as Message));
  rt.on("resync", (e) => resyncs.push(e));
  try {
    await rt.connect();
    const cursor = rt.cursors()[cid];
    assert.ok(cursor !== undefined && cursor >= 2);

    // Offline while six messages go by: more than the server will replay.
    rt.disconnect();
    for (let i = 1; i <= 6; i++) await tenant.server.sendMessage(cid, { text: `missed ${i}`, user_id: "bob" });
    const failed = rt.next("resume.failed");
    await rt.connect();
    const frame = await failed;
    assert.equal(frame.cid, cid);
    assert.equal(frame.reason, "too_far_behind");

    const resync = await eventually(() => resyncs[0], 5000, "the resync");
    assert.equal(resync.cid, cid);
    assert.equal(resync.seq, frame.seq);
    assert.equal(resync.error, undefined);
    assert.equal(resync.channel?.cid, cid);
    assert.deepEqual(resync.messages?.map((m) => m.text).slice(-6), [1, 2, 3, 4, 5, 6].map((i) => `missed ${i}`));
    assert.equal(rt.cursors()[cid], frame.seq);
    assert.equal(rt.unread.get(cid)?.unreadCount, 7);
    assert.equal(seen.length, 0, "no missed event was replayed live");

    await tenant.server.sendMessage(cid, { text: "after", user_id: "bob" });
    await eventually(() => seen.some((m) => m.text === "after"), 5000, "the next live message");
    assert.equal(rt.cursors()[cid], frame.seq + 1);
    assert.equal(rt.unread.get(cid)?.unreadCount, 8);
  } finally {
    rt.disconnect();
  }
});
