/**
 * The ordering rules of `openapi/asyncapi.yaml` on `ChannelCursors` alone: duplicates,
 * gaps, one resume per gap, release in `seq` order, and `resumed` as the authority.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { ChannelCursors } from "../src/realtime/cursors.js";
import type { PersistentEvent } from "../src/realtime/events.js";

const cid = "messaging:room";
const event = (seq: number) => ({ type: "message.new", cid, seq, created_at: "", message: {} }) as unknown as PersistentEvent;

function setup(initial: Record<string, number> = { [cid]: 4 }) {
  const applied: number[] = [];
  const resumes: Record<string, number>[] = [];
  const cursors = new ChannelCursors((e) => applied.push(e.seq), (c) => resumes.push(c), initial);
  return { cursors, applied, resumes };
}

test("duplicates are dropped and the next event is applied", () => {
  const { cursors, applied, resumes } = setup();
  for (const seq of [3, 4, 5, 5, 6]) cursors.receive(event(seq));
  assert.deepEqual(applied, [5, 6]);
  assert.deepEqual(resumes, []);
  assert.equal(cursors.get(cid), 6);
});

test("a gap asks for one resume, holds events back, and releases them in order", () => {
  const { cursors, applied, resumes } = setup();
  cursors.receive(event(7));
  cursors.receive(event(6));
  assert.deepEqual(resumes, [{ [cid]: 4 }], "one resume for the gap");
  assert.deepEqual(applied, []);
  cursors.receive(event(5)); // replayed
  cursors.receive(event(6)); // replayed again: a duplicate now
  assert.deepEqual(applied, [5, 6, 7]);
  cursors.resumed({ [cid]: 7 });
  assert.equal(cursors.get(cid), 7);
  assert.deepEqual(resumes.length, 1);
});

test("resumed is authoritative over seqs hidden from this user", () => {
  const { cursors, applied, resumes } = setup();
  cursors.receive(event(7)); // 5 and 6 were hidden (a shadow-banned author)
  cursors.receive(event(7)); // replayed
  cursors.resumed({ [cid]: 7 });
  assert.deepEqual(applied, [7]);
  assert.equal(cursors.get(cid), 7);
  cursors.receive(event(8));
  assert.deepEqual(applied, [7, 8]);
  assert.equal(resumes.length, 1, "no second resume: the hidden seqs are skipped");
});

test("a gap still open after resumed asks again", () => {
  const { cursors, resumes } = setup();
  cursors.receive(event(9));
  cursors.resumed({ [cid]: 6 });
  assert.deepEqual(resumes, [{ [cid]: 4 }, { [cid]: 6 }]);
});

test("resume.failed drops what is held and continues from the server's seq", () => {
  const { cursors, applied } = setup();
  cursors.receive(event(9));
  cursors.failed(cid, 20);
  cursors.resumed({ [cid]: 20 });
  cursors.receive(event(21));
  assert.deepEqual(applied, [21]);
});
