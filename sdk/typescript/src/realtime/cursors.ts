/**
 * Per-channel event cursors, applying the ordering rules of `openapi/asyncapi.yaml`
 * ("Events, sequence numbers and ordering", "Resume"): a duplicate is dropped, the next
 * event is applied, an event past a gap is held back and asks for one `resume` of that
 * channel; `resumed` is authoritative for the cursor, since events the server hides from
 * this user (shadow-banned authors, blocked users) leave gaps it skips on purpose.
 */

import type { PersistentEvent } from "./events.js";

export class ChannelCursors {
  /** `last[cid]`: the newest event `seq` applied, or set by the server. */
  private readonly last = new Map<string, number>();
  /** Events that arrived past a gap, by channel and `seq`, waiting to be released in order. */
  private readonly held = new Map<string, Map<number, PersistentEvent>>();
  /** Channels with a `resume` in flight: no second one until `resumed` arrives. */
  private readonly resuming = new Set<string>();

  constructor(
    private readonly apply: (event: PersistentEvent) => void,
    private readonly requestResume: (cursors: Record<string, number>) => void,
    initial: Record<string, number> = {},
  ) {
    for (const [cid, seq] of Object.entries(initial)) this.last.set(cid, seq);
  }

  /** Every channel's cursor, for a `resume` after a reconnect or for the app to store. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.last);
  }

  get(cid: string): number | undefined {
    return this.last.get(cid);
  }

  get size(): number {
    return this.last.size;
  }

  /**
   * Takes the cursors of `connection.ready` or `subscribed` for channels without one: live
   * events of those follow from there. Channels with a cursor keep it; the `resume` sent
   * next brings them up to date.
   */
  adopt(cursors: Record<string, number>): void {
    for (const [cid, seq] of Object.entries(cursors)) if (!this.last.has(cid)) this.last.set(cid, seq);
  }

  /** Marks every channel as resuming, when a `resume` of all of them is sent (reconnect). */
  resumingAll(): void {
    for (const cid of this.last.keys()) this.resuming.add(cid);
  }

  /** Handles one persistent event. */
  receive(event: PersistentEvent): void {
    const { cid, seq } = event;
    const last = this.last.get(cid);
    if (last === undefined) {
      // A channel this client had no cursor for (just added to it): its first event starts it.
      this.last.set(cid, seq);
      this.apply(event);
      return;
    }
    if (seq <= last) return;
    if (seq === last + 1) {
      this.last.set(cid, seq);
      this.apply(event);
      this.release(cid);
      return;
    }
    this.heldFor(cid).set(seq, event);
    if (!this.resuming.has(cid)) {
      this.resuming.add(cid);
      this.requestResume({ [cid]: last });
    }
  }

  /**
   * Handles `resumed`: events held back at or below each channel's new cursor were sent by
   * the server and are released in `seq` order; then the cursor becomes the server's, even
   * where some `seq`s were never seen; then whatever follows it in order is released. If
   * what is still held does not follow, there is a new gap, and a new `resume`.
   */
  resumed(cursors: Record<string, number>): void {
    for (const [cid, cursor] of Object.entries(cursors)) {
      this.resuming.delete(cid);
      const held = this.held.get(cid);
      if (held) {
        for (const seq of [...held.keys()].sort((a, b) => a - b)) {
          if (seq > cursor) break;
          const event = held.get(seq)!;
          held.delete(seq);
          if (seq > (this.last.get(cid) ?? 0)) this.apply(event);
        }
      }
      this.last.set(cid, cursor);
      this.release(cid);
      if (this.held.get(cid)?.size) {
        this.resuming.add(cid);
        this.requestResume({ [cid]: cursor });
      }
    }
  }

  /**
   * Handles `resume.failed`: what is held is dropped (the app refetches the channel) and
   * the cursor continues from the channel's newest event.
   */
  failed(cid: string, seq: number): void {
    this.held.delete(cid);
    this.last.set(cid, seq);
  }

  /** Stops following a channel (deleted, left, or refused by the server). */
  forget(cid: string): void {
    this.last.delete(cid);
    this.held.delete(cid);
    this.resuming.delete(cid);
  }

  /** Applies held events that now follow the cursor, and drops held duplicates. */
  private release(cid: string): void {
    const held = this.held.get(cid);
    if (!held) return;
    let last = this.last.get(cid) ?? 0;
    for (const seq of held.keys()) if (seq <= last) held.delete(seq);
    for (let next = held.get(last + 1); next; next = held.get(last + 1)) {
      held.delete(last + 1);
      last += 1;
      this.last.set(cid, last);
      this.apply(next);
    }
    if (held.size === 0) this.held.delete(cid);
  }

  private heldFor(cid: string): Map<number, PersistentEvent> {
    let held = this.held.get(cid);
    if (!held) this.held.set(cid, (held = new Map()));
    return held;
  }
}
