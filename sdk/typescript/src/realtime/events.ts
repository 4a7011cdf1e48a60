/**
 * Types of the realtime protocol, from the frames generated out of `openapi/asyncapi.yaml`,
 * and the split the ordering rules depend on: persistent events (in a channel's log, with
 * `cid` and `seq`) versus control frames and ephemeral events.
 */

import type { ClientFrames, ServerFrames, components } from "../generated/asyncapi.js";
import type { Channel, Message } from "../types.js";
import type { ParleyError } from "../errors.js";

export type { ClientFrames, ServerFrames };
/** A schema of `openapi/asyncapi.yaml`. */
export type RealtimeSchemas = components["schemas"];

export type ServerFrameType = keyof ServerFrames;
/** Any frame or event the server sends. */
export type ServerFrame = ServerFrames[ServerFrameType];
/** Any frame a client sends over the WebSocket. */
export type ClientFrame = ClientFrames[keyof ClientFrames];

/** Replies to the client's own frames and connection bookkeeping: never in a channel's log. */
const CONTROL_TYPES: ReadonlySet<string> = new Set<ServerFrameType>([
  "connection.ready",
  "subscribed",
  "resumed",
  "resume.failed",
  "ack",
  "pong",
  "error",
]);

/** A persistent channel event: it has the channel's event `seq`. */
export type PersistentEvent = Exclude<Extract<ServerFrame, { cid: string; seq: number }>, ServerFrames["resume.failed"]> & {
  cid: string;
  seq: number;
};

/**
 * Whether a frame is a persistent channel event: not a control frame, and carrying `cid`
 * and `seq`. Checked on the frame rather than by type name because `user.banned` and
 * `user.unbanned` are persistent for a channel ban and ephemeral for an app-wide one.
 */
export function isPersistent(frame: ServerFrame): frame is PersistentEvent {
  const f = frame as { type: string; cid?: unknown; seq?: unknown };
  return !CONTROL_TYPES.has(f.type) && typeof f.cid === "string" && typeof f.seq === "number";
}

/** Where the connection stands. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected";

/** Emitted as `state` on every change of `ConnectionState`. */
export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** The transport in use or being tried. */
  transport: "websocket" | "sse";
  /** Reconnect attempt number, from 1, while `reconnecting`. */
  attempt?: number;
  /** Wait before the next attempt, in ms, while `reconnecting`. */
  delayMs?: number;
  /**
   * Why the connection ended: for `disconnected` after a refusal that reconnecting cannot
   * cure (revoked key, banned or deactivated user, origin not allowed) the app should act on.
   */
  error?: ParleyError;
}

/**
 * Emitted as `resync` after the server could not replay a channel (`resume.failed`): the
 * SDK refetched the channel and its newest messages through REST; replace what the app
 * shows of it with these. Events after `seq` arrive live as usual.
 */
export interface ResyncEvent {
  cid: string;
  reason: RealtimeSchemas["ResumeFailedFrame"]["reason"];
  /** The channel's newest event `seq` when the replay failed; the cursor continues from it. */
  seq: number;
  channel?: Channel;
  /** The newest page of the channel's history, ascending `seq`. */
  messages?: Message[];
  /** Set when the refetch failed; the app may refetch itself. */
  error?: ParleyError;
}

/** Emitted as `unread` when a channel's unread count or read mark changes in the local cache. */
export interface UnreadChange {
  cid: string;
  unreadCount: number;
  lastReadSeq: number;
  totalUnreadCount: number;
}

/** Everything `ParleyRealtime.on` can listen to: the server's frames by `type`, and the SDK's own. */
export interface RealtimeEvents extends ServerFrames {
  state: StateChange;
  resync: ResyncEvent;
  unread: UnreadChange;
}
