/**
 * Errors of the Parley API as one typed class, built from the RFC 9457 problem documents
 * the server answers with (REST) or from `error` frames (realtime), and the opt-in retry
 * policy that honours `Retry-After`.
 */

import type { components } from "./generated/openapi.js";

/** The problem document every REST error answers with. */
export type Problem = components["schemas"]["Problem"];

/**
 * A refused request: switch on `code` (stable, snake_case), never on `detail`.
 * `status` is the HTTP status (0 when the error came from a realtime frame or the request
 * never reached the server); `retryAfter` is set when the server said when to try again.
 */
export class ParleyError extends Error {
  override readonly name = "ParleyError";
  /** Stable machine-readable code, e.g. `channel_not_found`, `rate_limited`. */
  readonly code: string;
  /** HTTP status; 0 for realtime `error` frames and network failures. */
  readonly status: number;
  /** Short summary of the problem type. */
  readonly title: string;
  /** Human-readable explanation of this occurrence. */
  readonly detail: string;
  /** The problem type URI (`urn:parley:error:{code}`). */
  readonly type: string;
  /** For `forbidden`: the permission that was denied. */
  readonly action?: string;
  /** Seconds to wait before trying again (`Retry-After` of a 429 or 503). */
  readonly retryAfter?: number;
  /** The server's `X-Request-Id` of the refused request, for support. */
  readonly requestId?: string;
  /** The channel concerned, for realtime errors about one channel. */
  readonly cid?: string;

  constructor(init: {
    code: string;
    status: number;
    title?: string;
    detail?: string;
    type?: string;
    action?: string | null;
    retryAfter?: number;
    requestId?: string;
    cid?: string;
    cause?: unknown;
  }) {
    super(init.detail ? `${init.code}: ${init.detail}` : init.code, { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.title = init.title ?? init.code;
    this.detail = init.detail ?? "";
    this.type = init.type ?? `urn:parley:error:${init.code}`;
    if (init.action) this.action = init.action;
    if (init.retryAfter !== undefined) this.retryAfter = init.retryAfter;
    if (init.requestId) this.requestId = init.requestId;
    if (init.cid) this.cid = init.cid;
  }

  /** Builds the error from a non-2xx response; `body` is its parsed JSON body, if any. */
  static fromResponse(response: Response, body: unknown): ParleyError {
    const problem = isProblem(body) ? body : undefined;
    return new ParleyError({
      code: problem?.code ?? `http_${response.status}`,
      status: response.status,
      title: problem?.title ?? response.statusText,
      detail: problem?.detail ?? (typeof body === "string" ? body : ""),
      type: problem?.type,
      action: problem?.action,
      retryAfter: parseRetryAfter(response.headers.get("retry-after")),
      requestId: response.headers.get("x-request-id") ?? undefined,
    });
  }

  /** Builds the error from a realtime `error` frame. */
  static fromFrame(frame: { code: string; detail: string; cid?: string; retry_after?: number; action?: string }): ParleyError {
    return new ParleyError({
      code: frame.code,
      status: 0,
      detail: frame.detail,
      cid: frame.cid,
      retryAfter: frame.retry_after,
      action: frame.action,
    });
  }
}

function isProblem(body: unknown): body is Problem {
  return typeof body === "object" && body !== null && typeof (body as Problem).code === "string";
}

/** `Retry-After` as seconds: either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/**
 * When to send a refused request again. Off unless given: only 429 (rate limits, slow mode)
 * and 503 (database or node unavailable, shutting down) are retried, because the server
 * answers them before doing any work; message sends carry a client id, so a repeat of one
 * whose answer was lost is stored once.
 */
export interface RetryPolicy {
  /** Attempts after the first; default 3. */
  maxRetries?: number;
  /** Wait when the answer has no `Retry-After`, in ms; doubled each attempt. Default 1000. */
  baseDelayMs?: number;
  /** Give up instead of waiting longer than this for one attempt, in ms; default 30000. */
  maxDelayMs?: number;
  /** Statuses to retry; default `[429, 503]`. */
  statuses?: number[];
}

/** Wraps `fetch` so that answers the policy covers are retried after their `Retry-After`. */
export function retryingFetch(
  policy: RetryPolicy | undefined,
  baseFetch: (input: Request) => Promise<Response>,
): (input: Request) => Promise<Response> {
  if (!policy) return baseFetch;
  const maxRetries = policy.maxRetries ?? 3;
  const baseDelayMs = policy.baseDelayMs ?? 1000;
  const maxDelayMs = policy.maxDelayMs ?? 30_000;
  const statuses = policy.statuses ?? [429, 503];
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      // The body of a Request can be read once; each attempt sends a copy.
      const response = await baseFetch(request.clone());
      if (attempt >= maxRetries || !statuses.includes(response.status)) return response;
      const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
      const delay = retryAfter !== undefined ? retryAfter * 1000 : baseDelayMs * 2 ** attempt;
      if (delay > maxDelayMs) return response;
      await response.body?.cancel();
      await sleep(delay, request.signal);
    }
  };
}

/** Resolves after `ms`, or rejects when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
