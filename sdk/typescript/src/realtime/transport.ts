/**
 * The two ways frames reach the client: a WebSocket (`GET /v1/connect`, frames both ways)
 * and a Server-Sent Events stream (`GET /v1/events`, server frames only) read with `fetch`,
 * for runtimes and networks without WebSockets. Both report frames and the end of the
 * connection the same way, so the client above them has one code path.
 */

import { ParleyError } from "../errors.js";
import type { ClientFrame, ServerFrame } from "./events.js";

export interface TransportHandlers {
  frame(frame: ServerFrame): void;
  /** Any sign of life (a frame, an SSE comment). */
  activity(): void;
  /**
   * The connection ended. `code`/`reason` are the WebSocket close; `error` is set when the
   * server refused the SSE request with a problem document.
   */
  closed(info: { code?: number; reason?: string; error?: ParleyError }): void;
}

export interface Transport {
  readonly kind: "websocket" | "sse";
  /** Sends a frame; false when this transport cannot (SSE) or is not open. */
  send(frame: ClientFrame): boolean;
  close(): void;
}

/** The parts of the WebSocket API the client uses (browsers, React Native, Node 22+, `ws`). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Opens `GET /v1/connect` with the credentials as query parameters (browsers cannot set headers). */
export function openWebSocket(
  WebSocketImpl: WebSocketConstructor,
  baseUrl: string,
  credentials: { apiKey: string; token: string },
  handlers: TransportHandlers,
): Transport {
  const url = `${baseUrl.replace(/^http/, "ws")}/v1/connect?api_key=${encodeURIComponent(credentials.apiKey)}&token=${encodeURIComponent(credentials.token)}`;
  const socket = new WebSocketImpl(url);
  let ended = false;
  const end = (info: { code?: number; reason?: string }) => {
    if (ended) return;
    ended = true;
    socket.onmessage = socket.onclose = socket.onerror = null;
    handlers.closed(info);
  };
  socket.onmessage = (event) => {
    handlers.activity();
    if (typeof event.data !== "string") return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(event.data) as ServerFrame;
    } catch {
      return;
    }
    handlers.frame(frame);
  };
  socket.onclose = (event) => end({ code: event.code, reason: event.reason });
  // An error is followed by a close in browsers; some runtimes skip it, so end here too.
  socket.onerror = () => setTimeout(() => end({ code: 1006, reason: "connection error" }), 0);
  return {
    kind: "websocket",
    send(frame) {
      if (ended || socket.readyState !== 1) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
    close() {
      end({ code: 1000, reason: "closed by the client" });
      try {
        socket.close(1000);
      } catch {
        // Closing a socket that never opened throws in some runtimes; it is gone either way.
      }
    },
  };
}

/**
 * Opens `GET /v1/events` through `fetch` and parses the `text/event-stream` body. `fetch`
 * (unlike `EventSource`) can send the credentials as headers, keeping the token out of
 * URLs and logs, and reports a refused request's problem document. Resume positions go in
 * the `cursors` query parameter, which the server prefers to `Last-Event-ID`.
 */
export function openSse(
  fetchImpl: (input: Request) => Promise<Response>,
  baseUrl: string,
  credentials: { apiKey: string; token: string },
  cursors: Record<string, number>,
  handlers: TransportHandlers,
): Transport {
  const abort = new AbortController();
  let ended = false;
  const end = (info: { code?: number; reason?: string; error?: ParleyError }) => {
    if (ended) return;
    ended = true;
    handlers.closed(info);
  };
  const positions = Object.entries(cursors)
    .map(([cid, seq]) => `${cid}:${seq}`)
    .join(",");
  const url = `${baseUrl}/v1/events${positions ? `?cursors=${encodeURIComponent(positions)}` : ""}`;

  (async () => {
    const response = await fetchImpl(
      new Request(url, {
        headers: {
          Accept: "text/event-stream",
          "X-Api-Key": credentials.apiKey,
          Authorization: `Bearer ${credentials.token}`,
        },
        signal: abort.signal,
      }),
    );
    if (!response.ok || !response.body) {
      const body = await response.json().catch(() => undefined);
      return end({ error: ParleyError.fromResponse(response, body) });
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let data: string[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      handlers.activity();
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (data.length > 0) dispatch(data.join("\n"));
          data = [];
        } else if (line.startsWith("data:")) {
          data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
        }
        // `id:` lines are not needed (positions come from the SDK's own cursors); comments
        // (`: ping`) only count as activity.
      }
    }
    end({ reason: "stream ended" });
  })().catch((cause) => end({ reason: String(cause) }));

  function dispatch(data: string): void {
    try {
      handlers.frame(JSON.parse(data) as ServerFrame);
    } catch {
      // Not JSON: not a frame of this protocol.
    }
  }

  return {
    kind: "sse",
    send: () => false,
    close() {
      end({ reason: "closed by the client" });
      abort.abort();
    },
  };
}
