/**
 * The realtime client: one connection (WebSocket, or SSE where WebSockets are unavailable)
 * that reconnects by itself with exponential backoff and jitter, resumes every channel from
 * its cursor so the app sees each persistent event once and in order, refetches a channel
 * the server cannot replay, refreshes an expired user token before reconnecting, and keeps
 * the local unread cache current. Sends, typing and read marks go over the socket when it is
 * open, and through REST otherwise.
 */

import { ParleyError } from "../errors.js";
import { clientId, TOKEN_CODES } from "../http.js";
import type { ParleyUserClient } from "../rest/user.js";
import type { Message, NewMessage } from "../types.js";
import { ChannelCursors } from "./cursors.js";
import {
  isPersistent,
  type ClientFrame,
  type ClientFrames,
  type ConnectionState,
  type PersistentEvent,
  type RealtimeEvents,
  type ServerFrame,
  type ServerFrames,
  type StateChange,
} from "./events.js";
import { openSse, openWebSocket, type Transport, type WebSocketConstructor } from "./transport.js";
import { UnreadCache } from "./unread.js";

export interface ReconnectPolicy {
  /** First wait, in ms; default 500. */
  initialDelayMs?: number;
  /** Longest wait, in ms; default 30000. */
  maxDelayMs?: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /** Share of each wait drawn at random (0: none, 1: anywhere from 0 to the full wait); default 0.5. */
  jitter?: number;
}

export interface RealtimeOptions {
  /** `websocket`, `sse`, or `auto` (the default): a WebSocket when the runtime has one, else SSE. */
  transport?: "auto" | "websocket" | "sse";
  /** A WebSocket implementation, where the runtime has none (Node 20: the `ws` package). */
  WebSocket?: WebSocketConstructor;
  reconnect?: ReconnectPolicy;
  /** Cursors kept from an earlier session (`cursors()`), to resume from instead of the present. */
  cursors?: Record<string, number>;
  /** Interval of liveness checks, in ms: a connection silent for two of them is replaced. Default 30000. */
  heartbeatMs?: number;
  /** How long a socket send waits for its `ack`, across reconnects, in ms; default 30000. */
  sendTimeoutMs?: number;
  /** Least time between two `typing.start` frames of one channel, in ms; default 3000. */
  typingIntervalMs?: number;
  /** A `typing.stop` follows the last keystroke after this, in ms; default 4000. */
  typingStopAfterMs?: number;
  /** Least time between two read marks sent for one channel, in ms; default 1000. */
  readThrottleMs?: number;
  /** Messages fetched with a channel after `resume.failed`; default 50. */
  resyncMessages?: number;
  /** Load the unread cache from REST on the first connection; default true. */
  loadUnread?: boolean;
}

type Listener<T> = (payload: T) => void;
interface PendingSend {
  frame: ClientFrame;
  resolve(message: Message): void;
  reject(error: ParleyError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Close codes after which reconnecting with the same credentials cannot succeed. */
const FATAL_CLOSE_CODES = [4401, 4403];
/** Codes of problems after which reconnecting cannot succeed until the app acts. */
const FATAL_CODES = [
  "invalid_api_key",
  "missing_credentials",
  "tenant_disabled",
  "user_deactivated",
  "user_deleted",
  "user_banned",
  "origin_not_allowed",
];
/** Channel errors after which the channel is no longer followed. */
const UNFOLLOW_CODES = ["not_a_member", "channel_not_found", "forbidden"];

export class ParleyRealtime {
  /** Unread counts and read marks, kept current by events. */
  readonly unread: UnreadCache;
  private readonly rest: ParleyUserClient;
  private readonly options: Required<Omit<RealtimeOptions, "WebSocket" | "cursors" | "reconnect">> & {
    reconnect: Required<ReconnectPolicy>;
  };
  private readonly WebSocketImpl: WebSocketConstructor | undefined;
  private readonly cursorsByChannel: ChannelCursors;
  private readonly listeners = new Map<string, Set<Listener<never>>>();
  private readonly pending = new Map<string, PendingSend>();
  private readonly typingSent = new Map<string, { at: number; stop: ReturnType<typeof setTimeout> }>();
  private readonly reads = new Map<string, { timer: ReturnType<typeof setTimeout>; next?: { seq?: number } }>();
  private readonly unreadRefetches = new Set<string>();

  private current: ConnectionState = "disconnected";
  private transport: Transport | undefined;
  private kind: "websocket" | "sse";
  private stopped = true;
  private ready = false;
  private attempt = 0;
  private websocketRefusals = 0;
  private restartNow = false;
  private unreadLoaded = false;
  private lastActivity = 0;
  private nextReqId = 1;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private connecting: { promise: Promise<void>; resolve(): void; reject(error: ParleyError): void } | undefined;

  constructor(client: ParleyUserClient, options: RealtimeOptions = {}) {
    this.rest = client;
    this.WebSocketImpl =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined;
    const transport = options.transport ?? "auto";
    if (transport === "websocket" && !this.WebSocketImpl) {
      throw new Error("no WebSocket in this runtime: pass one as `WebSocket`, or use transport `sse`");
    }
    this.kind = transport === "sse" || !this.WebSocketImpl ? "sse" : "websocket";
    this.options = {
      transport,
      heartbeatMs: options.heartbeatMs ?? 30_000,
      sendTimeoutMs: options.sendTimeoutMs ?? 30_000,
      typingIntervalMs: options.typingIntervalMs ?? 3_000,
      typingStopAfterMs: options.typingStopAfterMs ?? 4_000,
      readThrottleMs: options.readThrottleMs ?? 1_000,
      resyncMessages: options.resyncMessages ?? 50,
      loadUnread: options.loadUnread ?? true,
      reconnect: {
        initialDelayMs: options.reconnect?.initialDelayMs ?? 500,
        maxDelayMs: options.reconnect?.maxDelayMs ?? 30_000,
        factor: options.reconnect?.factor ?? 2,
        jitter: options.reconnect?.jitter ?? 0.5,
      },
    };
    this.cursorsByChannel = new ChannelCursors(
      (event) => this.applyEvent(event),
      (cursors) => this.requestResume(cursors),
      options.cursors,
    );
    this.unread = new UnreadCache(
      (change) => this.emit("unread", change),
      (cid) => this.refetchUnread(cid),
    );
  }

  /** Where the connection stands. */
  get state(): ConnectionState {
    return this.current;
  }

  /** The transport in use (or to be tried next). */
  get transportKind(): "websocket" | "sse" {
    return this.kind;
  }

  /** Each followed channel's cursor (newest event `seq` applied): store them to resume later. */
  cursors(): Record<string, number> {
    return this.cursorsByChannel.snapshot();
  }

  // ------------------------------------------------------------------ events

  /** Listens to a server frame type, `state`, `resync` or `unread`, or `*` for every server frame; returns the unsubscribe. */
  on<K extends keyof RealtimeEvents>(type: K, listener: Listener<RealtimeEvents[K]>): () => void;
  on(type: "*", listener: Listener<ServerFrame>): () => void;
  on(type: string, listener: Listener<never>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Resolves with the next payload of `type` that satisfies `predicate`. */
  next<K extends keyof RealtimeEvents>(
    type: K,
    predicate: (payload: RealtimeEvents[K]) => boolean = () => true,
  ): Promise<RealtimeEvents[K]> {
    return new Promise((resolve) => {
      const off = this.on(type, (payload: RealtimeEvents[K]) => {
        if (!predicate(payload)) return;
        off();
        resolve(payload);
      });
    });
  }

  private emit(type: string, payload: unknown): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) {
      try {
        (listener as Listener<unknown>)(payload);
      } catch (error) {
        // An app's listener must not break the connection; report it as the runtime does.
        const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
        if (report) report(error);
        else console.error(error);
      }
    }
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Connects, and keeps reconnecting until `disconnect()`. Resolves once connected; rejects
   * if the server refuses in a way reconnecting cannot cure (see `StateChange.error`).
   */
  connect(): Promise<void> {
    if (this.connecting) return this.connecting.promise;
    if (!this.stopped) {
      // Already running: connected, or reconnecting by itself.
      if (this.current === "connected") return Promise.resolve();
      return new Promise((resolve, reject) => {
        const off = this.on("state", (change) => {
          if (change.state === "connected") resolve();
          else if (change.state === "disconnected") reject(change.error);
          else return;
          off();
        });
      });
    }
    let resolve!: () => void;
    let reject!: (error: ParleyError) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.connecting = { promise, resolve, reject };
    this.stopped = false;
    this.attempt = 0;
    this.setState("connecting");
    void this.open();
    return promise;
  }

  /** Closes the connection and stops reconnecting; cursors and the unread cache stay. */
  disconnect(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.stopWatchdog();
    const transport = this.transport;
    this.transport = undefined;
    transport?.close();
    this.end(new ParleyError({ code: "disconnected", status: 0, detail: "the client disconnected" }));
  }

  private async open(): Promise<void> {
    let token: string;
    try {
      token = await this.rest.tokens.get();
    } catch (cause) {
      return this.scheduleReconnect(0, new ParleyError({ code: "token_provider_failed", status: 0, detail: String(cause), cause }));
    }
    if (this.stopped) return;
    this.ready = false;
    const credentials = { apiKey: this.rest.apiKey, token };
    const handlers = {
      frame: (frame: ServerFrame) => this.handleFrame(frame),
      activity: () => {
        this.lastActivity = Date.now();
      },
      closed: (info: { code?: number; reason?: string; error?: ParleyError }) => {
        if (this.transport !== transport) return;
        void this.handleClose(info, token);
      },
    };
    const transport =
      this.kind === "websocket"
        ? openWebSocket(this.WebSocketImpl!, this.rest.baseUrl, credentials, handlers)
        : openSse(this.fetch, this.rest.baseUrl, credentials, this.cursorsByChannel.snapshot(), handlers);
    this.transport = transport;
    this.lastActivity = Date.now();
    this.startWatchdog();
  }

  private get fetch(): (input: Request) => Promise<Response> {
    return this.rest.options.fetch ?? ((request) => globalThis.fetch(request));
  }

  private async handleClose(info: { code?: number; reason?: string; error?: ParleyError }, token: string): Promise<void> {
    this.transport = undefined;
    this.stopWatchdog();
    if (this.stopped) return;
    const wasReady = this.ready;
    this.ready = false;
    if (info.code !== undefined && FATAL_CLOSE_CODES.includes(info.code)) {
      return this.fail(new ParleyError({ code: info.reason || `closed_${info.code}`, status: 0, detail: `closed with ${info.code}` }));
    }
    if (this.restartNow) {
      this.restartNow = false;
      return this.scheduleReconnect(0);
    }
    // A refused WebSocket handshake shows no status to scripts: ask REST with the same
    // credentials why (an expired token, a ban, a rate limit).
    let error = info.error;
    if (!wasReady && !error && this.kind === "websocket") {
      error = await this.diagnose(token);
      if (this.stopped) return;
      if (!error && this.options.transport === "auto" && ++this.websocketRefusals >= 2) {
        // REST works but WebSocket handshakes do not (a proxy that drops upgrades): use SSE.
        this.kind = "sse";
      }
    }
    if (error && TOKEN_CODES.includes(error.code) && this.rest.tokens.refreshable) {
      try {
        await this.rest.tokens.refresh(error.code);
      } catch {
        // The provider failed; the next attempt asks it again.
      }
      return this.scheduleReconnect(0, error);
    }
    if (error && FATAL_CODES.includes(error.code)) return this.fail(error);
    return this.scheduleReconnect((error?.retryAfter ?? 0) * 1000, error);
  }

  /** Why a handshake with `token` fails, or undefined when REST accepts it (or is unreachable). */
  private async diagnose(token: string): Promise<ParleyError | undefined> {
    try {
      const response = await this.fetch(
        new Request(`${this.rest.baseUrl}/v1/me`, {
          headers: { "X-Api-Key": this.rest.apiKey, Authorization: `Bearer ${token}` },
        }),
      );
      if (response.ok) {
        await response.body?.cancel();
        return undefined;
      }
      return ParleyError.fromResponse(response, await response.json().catch(() => undefined));
    } catch {
      return undefined;
    }
  }

  private scheduleReconnect(minDelayMs: number, error?: ParleyError): void {
    if (this.stopped) return;
    const { initialDelayMs, maxDelayMs, factor, jitter } = this.options.reconnect;
    this.attempt += 1;
    const ceiling = Math.min(maxDelayMs, initialDelayMs * factor ** (this.attempt - 1));
    const backoff = ceiling * (1 - jitter * Math.random());
    const delayMs = Math.round(Math.max(minDelayMs, minDelayMs === 0 && this.attempt === 1 ? 0 : backoff));
    this.setState("reconnecting", { attempt: this.attempt, delayMs, error });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.open(), delayMs);
  }

  private fail(error: ParleyError): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.end(error, true);
  }

  /** Rejects what waits on the connection with `error` and reports `disconnected`. */
  private end(error: ParleyError, report = false): void {
    for (const [reqId, send] of this.pending) {
      clearTimeout(send.timer);
      send.reject(error);
      this.pending.delete(reqId);
    }
    this.connecting?.reject(error);
    this.connecting = undefined;
    this.setState("disconnected", report ? { error } : undefined);
  }

  private setState(state: ConnectionState, extra: Partial<StateChange> = {}): void {
    const previous = this.current;
    this.current = state;
    this.emit("state", { state, previous, transport: this.kind, ...extra });
  }

  private startWatchdog(): void {
    this.stopWatchdog();
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastActivity > 2 * this.options.heartbeatMs) {
        // Nothing heard for two intervals: the connection is dead without having said so.
        this.transport?.close();
      } else {
        this.transport?.send({ type: "ping" });
      }
    }, this.options.heartbeatMs);
  }

  private stopWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  // ------------------------------------------------------------------ frames

  private handleFrame(frame: ServerFrame): void {
    if (isPersistent(frame)) {
      this.cursorsByChannel.receive(frame);
      return;
    }
    switch (frame.type) {
      case "connection.ready":
        this.onReady(frame);
        break;
      case "subscribed":
        this.cursorsByChannel.adopt(frame.cursors);
        break;
      case "resumed":
        this.cursorsByChannel.resumed(frame.cursors);
        break;
      case "resume.failed":
        this.cursorsByChannel.failed(frame.cid, frame.seq);
        void this.resync(frame);
        break;
      case "ack": {
        const send = this.pending.get(String(frame.req_id));
        if (send && frame.message) {
          this.pending.delete(String(frame.req_id));
          clearTimeout(send.timer);
          send.resolve(frame.message as unknown as Message);
        }
        break;
      }
      case "error": {
        const send = frame.req_id !== undefined ? this.pending.get(String(frame.req_id)) : undefined;
        if (send) {
          this.pending.delete(String(frame.req_id));
          clearTimeout(send.timer);
          send.reject(ParleyError.fromFrame(frame));
        } else if (frame.cid && UNFOLLOW_CODES.includes(frame.code)) {
          this.cursorsByChannel.forget(frame.cid);
        }
        break;
      }
      case "notification.added_to_channel":
        // Starts the new channel's cursor unless one of its events already did.
        this.cursorsByChannel.adopt({ [frame.cid]: frame.cursor });
        break;
      case "channel.deleted":
        this.cursorsByChannel.forget(frame.cid);
        this.unread.drop(frame.cid);
        break;
    }
    this.emit(frame.type, frame);
    this.emit("*", frame);
  }

  private onReady(frame: ServerFrames["connection.ready"]): void {
    this.ready = true;
    this.attempt = 0;
    this.websocketRefusals = 0;
    this.unread.userId = frame.user_id;
    const stored = this.cursorsByChannel.snapshot();
    this.cursorsByChannel.adopt(frame.cursors);
    if (Object.keys(stored).length > 0) {
      // Over SSE the cursors went with the request; the stream replays and sends `resumed`.
      this.cursorsByChannel.resumingAll();
      if (this.kind === "websocket") this.transport?.send({ type: "resume", cursors: stored });
    }
    for (const send of this.pending.values()) this.transport?.send(send.frame);
    if (this.options.loadUnread && !this.unreadLoaded) {
      this.unreadLoaded = true;
      this.rest.unread().then(
        (unread) => this.unread.load(unread),
        () => {
          this.unreadLoaded = false;
        },
      );
    }
    this.setState("connected");
    this.connecting?.resolve();
    this.connecting = undefined;
  }

  /** Delivers one persistent event, in order and once, to the cache and the app. */
  private applyEvent(event: PersistentEvent): void {
    this.unread.apply(event);
    this.emit(event.type, event);
    this.emit("*", event);
  }

  private requestResume(cursors: Record<string, number>): void {
    if (this.transport?.kind === "websocket") {
      this.transport.send({ type: "resume", cursors });
    } else if (this.transport) {
      // SSE takes no frames: a new stream from the cursors replays what is missing.
      this.restartNow = true;
      this.transport.close();
    }
  }

  /** Refetches a channel the server could not replay, and tells the app. */
  private async resync(frame: ServerFrames["resume.failed"]): Promise<void> {
    try {
      const [channel, page] = await Promise.all([
        this.rest.getChannel(frame.cid),
        this.rest.history(frame.cid, { limit: this.options.resyncMessages }),
      ]);
      this.unread.setFromServer(channel);
      this.emit("resync", { cid: frame.cid, reason: frame.reason, seq: frame.seq, channel, messages: page.items });
    } catch (error) {
      this.emit("resync", { cid: frame.cid, reason: frame.reason, seq: frame.seq, error: error as ParleyError });
    }
  }

  private refetchUnread(cid: string): void {
    if (this.unreadRefetches.has(cid)) return;
    this.unreadRefetches.add(cid);
    this.rest
      .getChannel(cid)
      .then((channel) => this.unread.setFromServer(channel))
      .catch(() => undefined)
      .finally(() => this.unreadRefetches.delete(cid));
  }

  // ------------------------------------------------------------------ client frames

  /**
   * Sends a message over the socket and resolves with the stored message once the server
   * acknowledged it (it is committed then). Sends made while reconnecting wait and go out
   * on the next connection; the client id makes a repeat harmless. Over SSE it goes
   * through REST.
   */
  sendMessage(cid: string, message: NewMessage): Promise<Message> {
    const body = { ...message, text: message.text ?? "", id: message.id ?? clientId() };
    if (this.kind === "sse") return this.rest.sendMessage(cid, body);
    return new Promise((resolve, reject) => {
      const reqId = `m${this.nextReqId++}`;
      // The REST and AsyncAPI documents describe the same body; AsyncAPI's is a little
      // stricter about nulls, which the server treats alike.
      const frame: ClientFrame = {
        type: "message.send",
        req_id: reqId,
        cid,
        message: body as ClientFrames["message.send"]["message"],
      };
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new ParleyError({ code: "timeout", status: 0, detail: `no ack for the message within ${this.options.sendTimeoutMs} ms` }));
      }, this.options.sendTimeoutMs);
      this.pending.set(reqId, { frame, resolve, reject, timer });
      if (this.ready) this.transport?.send(frame);
    });
  }

  /**
   * Call on each keystroke: sends `typing.start` at most once per `typingIntervalMs` per
   * channel, and `typing.stop` after `typingStopAfterMs` without one. WebSocket only.
   */
  keystroke(cid: string): void {
    const now = Date.now();
    const sent = this.typingSent.get(cid);
    if (sent) clearTimeout(sent.stop);
    const stop = setTimeout(() => this.stopTyping(cid), this.options.typingStopAfterMs);
    if (!sent || now - sent.at >= this.options.typingIntervalMs) {
      this.send({ type: "typing.start", cid });
      this.typingSent.set(cid, { at: now, stop });
    } else {
      sent.stop = stop;
    }
  }

  /** Sends `typing.stop` if a `typing.start` is standing (e.g. when the message is sent). */
  stopTyping(cid: string): void {
    const sent = this.typingSent.get(cid);
    if (!sent) return;
    clearTimeout(sent.stop);
    this.typingSent.delete(cid);
    this.send({ type: "typing.stop", cid });
  }

  /**
   * Marks a channel read up to message `seq` (default: everything): the unread cache
   * follows at once; the server hears of it at most once per `readThrottleMs` per channel,
   * with the latest mark.
   */
  markRead(cid: string, seq?: number): void {
    this.unread.markedRead(cid, seq);
    const throttled = this.reads.get(cid);
    if (throttled) {
      throttled.next = { seq: Math.max(seq ?? Infinity, throttled.next?.seq ?? -Infinity) };
      if (throttled.next.seq === Infinity) throttled.next = {};
      return;
    }
    this.sendRead(cid, seq);
    const flush = (): void => {
      const entry = this.reads.get(cid);
      if (!entry?.next) {
        this.reads.delete(cid);
        return;
      }
      const next = entry.next;
      entry.next = undefined;
      this.sendRead(cid, next.seq);
      entry.timer = setTimeout(flush, this.options.readThrottleMs);
    };
    this.reads.set(cid, { timer: setTimeout(flush, this.options.readThrottleMs) });
  }

  private sendRead(cid: string, seq?: number): void {
    const frame: ClientFrame = seq === undefined ? { type: "read", cid } : { type: "read", cid, seq };
    if (!this.send(frame)) this.rest.markRead(cid, seq).catch(() => undefined);
  }

  /** Follows more channels on this connection (team or livestream channels, say). */
  subscribe(cids: string[]): boolean {
    return this.send({ type: "subscribe", cids });
  }

  unsubscribe(cids: string[]): boolean {
    for (const cid of cids) this.cursorsByChannel.forget(cid);
    return this.send({ type: "unsubscribe", cids });
  }

  /** Sends a frame if the WebSocket is open and ready; false otherwise. */
  private send(frame: ClientFrame): boolean {
    return this.ready ? (this.transport?.send(frame) ?? false) : false;
  }
}
