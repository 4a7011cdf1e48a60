/**
 * A local cache of the user's unread counts and read marks, loaded from REST and kept
 * consistent by the events the realtime client applies (in order, once each). It counts the
 * way the server does: replies, silent messages and the user's own do not raise a count.
 * When an event leaves a count it cannot work out alone (a read mark that moved into
 * messages counted before the cache saw them), the channel is fetched again.
 */

import type { Channel, ChannelUnread, Unread } from "../types.js";
import type { PersistentEvent, ServerFrames, UnreadChange } from "./events.js";

export interface ChannelReadState {
  unreadCount: number;
  /** The message `seq` the user has read up to. */
  lastReadSeq: number;
  /** The newest message `seq` the cache knows of. */
  lastMessageSeq: number;
  /** Read marks of the channel's other members seen in events, by user id. */
  readers: Map<string, number>;
}

export class UnreadCache {
  private readonly channels = new Map<string, ChannelReadState & { counted: Set<number> }>();
  /** The signed-in user's id, to tell their own messages and read marks from others'. */
  userId: string | null = null;

  constructor(
    private readonly changed: (change: UnreadChange) => void,
    private readonly refetch: (cid: string) => void,
  ) {}

  /** The state of one channel, if known. */
  get(cid: string): Readonly<ChannelReadState> | undefined {
    return this.channels.get(cid);
  }

  /** Every known channel's state. */
  entries(): [string, Readonly<ChannelReadState>][] {
    return [...this.channels.entries()];
  }

  get totalUnreadCount(): number {
    let total = 0;
    for (const state of this.channels.values()) total += state.unreadCount;
    return total;
  }

  /** Takes the counts of `GET /v1/me/unread`, which lists only channels with unread messages. */
  load(unread: Unread): void {
    const listed = new Set<string>();
    for (const channel of unread.channels) {
      listed.add(channel.cid);
      this.setFromServer(channel);
    }
    for (const [cid, state] of this.channels) {
      if (listed.has(cid) || state.unreadCount === 0) continue;
      state.unreadCount = 0;
      state.counted.clear();
      this.emit(cid);
    }
  }

  /** Takes one channel's counts as the server gives them (`ChannelUnread`, or a fetched `Channel`). */
  setFromServer(channel: ChannelUnread | Channel): void {
    const isChannel = "last_seq" in channel;
    const unreadCount = (isChannel ? channel.unread_count : channel.unread_count) ?? 0;
    const lastReadSeq = isChannel ? (channel.membership?.last_read_seq ?? 0) : channel.last_read_seq;
    const state = this.state(channel.cid);
    state.unreadCount = unreadCount;
    state.lastReadSeq = lastReadSeq;
    state.lastMessageSeq = Math.max(state.lastMessageSeq, isChannel ? channel.last_seq : lastReadSeq + unreadCount);
    state.counted.clear();
    this.emit(channel.cid);
  }

  /** Follows one applied persistent event. */
  apply(event: PersistentEvent): void {
    switch (event.type) {
      case "message.new":
        return this.messageNew(event as ServerFrames["message.new"]);
      case "message.deleted": {
        const state = this.channels.get(event.cid);
        const seq = (event as ServerFrames["message.deleted"]).message.seq;
        if (state?.counted.delete(seq)) {
          state.unreadCount = Math.max(0, state.unreadCount - 1);
          this.emit(event.cid);
        }
        return;
      }
      case "read.updated":
        return this.readUpdated(event as ServerFrames["read.updated"]);
      case "member.removed":
        if ((event as ServerFrames["member.removed"]).member.user_id === this.userId) this.drop(event.cid);
        return;
      case "member.added":
        if ((event as ServerFrames["member.added"]).member.user_id === this.userId && !this.channels.has(event.cid)) {
          this.state(event.cid);
          this.emit(event.cid);
        }
        return;
    }
  }

  /** Forgets a channel (deleted, or the user left it). */
  drop(cid: string): void {
    if (this.channels.delete(cid)) {
      this.changed({ cid, unreadCount: 0, lastReadSeq: 0, totalUnreadCount: this.totalUnreadCount });
    }
  }

  /** Records the user's own read mark ahead of the server's `read.updated`. */
  markedRead(cid: string, seq?: number): void {
    const state = this.channels.get(cid);
    if (!state) return;
    this.moveReadMark(cid, state, seq ?? state.lastMessageSeq);
  }

  private messageNew(event: ServerFrames["message.new"]): void {
    const message = event.message;
    const state = this.state(event.cid);
    state.lastMessageSeq = Math.max(state.lastMessageSeq, message.seq);
    const counts =
      !message.parent_id && message.type !== "reply" && !message.silent && message.user_id !== this.userId;
    if (counts && message.seq > state.lastReadSeq && !state.counted.has(message.seq)) {
      state.counted.add(message.seq);
      state.unreadCount += 1;
    }
    this.emit(event.cid);
  }

  private readUpdated(event: ServerFrames["read.updated"]): void {
    const state = this.state(event.cid);
    if (event.user_id !== this.userId) {
      state.readers.set(event.user_id, event.last_read_seq);
      return;
    }
    this.moveReadMark(event.cid, state, event.last_read_seq);
  }

  private moveReadMark(cid: string, state: ChannelReadState & { counted: Set<number> }, seq: number): void {
    if (seq <= state.lastReadSeq) return;
    // Whether every unread message's seq is known: then the count follows exactly.
    const allKnown = state.unreadCount === state.counted.size;
    state.lastReadSeq = seq;
    let removed = 0;
    for (const counted of [...state.counted]) if (counted <= seq && state.counted.delete(counted)) removed++;
    if (seq >= state.lastMessageSeq) {
      state.unreadCount = 0;
      state.counted.clear();
    } else if (allKnown) {
      state.unreadCount = state.counted.size;
    } else {
      // Messages counted by the server before the cache saw them have unknown seqs: keep a
      // provisional count and ask the server for the real one.
      state.unreadCount = Math.max(state.counted.size, state.unreadCount - removed);
      this.refetch(cid);
    }
    this.emit(cid);
  }

  private state(cid: string): ChannelReadState & { counted: Set<number> } {
    let state = this.channels.get(cid);
    if (!state) {
      state = { unreadCount: 0, lastReadSeq: 0, lastMessageSeq: 0, readers: new Map(), counted: new Set() };
      this.channels.set(cid, state);
    }
    return state;
  }

  private emit(cid: string): void {
    const state = this.channels.get(cid);
    if (!state) return;
    this.changed({
      cid,
      unreadCount: state.unreadCount,
      lastReadSeq: state.lastReadSeq,
      totalUnreadCount: this.totalUnreadCount,
    });
  }
}
