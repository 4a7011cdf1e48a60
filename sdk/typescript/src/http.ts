/**
 * The typed REST transport every client shares: an `openapi-fetch` client over the
 * generated paths, with the caller's credentials added to each request, one refresh of an
 * expired user token, the opt-in retry policy, and answers unwrapped into data or a
 * `ParleyError`.
 */

import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./generated/openapi.js";
import { ParleyError, retryingFetch, type RetryPolicy } from "./errors.js";

/** The typed `openapi-fetch` client of the whole REST API (`api.GET("/v1/me")` …). */
export type ApiClient = Client<paths>;

/** Options shared by every REST client. */
export interface RestOptions {
  /** The server's base URL, e.g. `https://chat.example.com` (no trailing `/v1`). */
  baseUrl: string;
  /** A `fetch` to use instead of `globalThis.fetch` (tests, proxies, React Native polyfills). */
  fetch?: (input: Request) => Promise<Response>;
  /** Retry 429 and 503 answers after their `Retry-After`; off by default. */
  retry?: RetryPolicy;
}

/** Supplies a request's credentials; `refresh` is asked once after a 401 with the problem code. */
export interface Credentials {
  headers(): Promise<Record<string, string>> | Record<string, string>;
  refresh?(code: string): Promise<boolean>;
}

/** Codes of a 401 that a new user token can cure. */
export const TOKEN_CODES: readonly string[] = ["token_expired", "invalid_token"];

/** Builds the typed client for `credentials`. */
export function createApi(options: RestOptions, credentials: Credentials): ApiClient {
  const base = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const sign = async (request: Request): Promise<Request> => {
    const signed = new Request(request);
    for (const [name, value] of Object.entries(await credentials.headers())) signed.headers.set(name, value);
    return signed;
  };
  const authenticated = async (request: Request): Promise<Response> => {
    const response = await base(await sign(request.clone()));
    if (response.status !== 401 || !credentials.refresh) return response;
    const code = await problemCode(response.clone());
    if (!code || !TOKEN_CODES.includes(code) || !(await credentials.refresh(code))) return response;
    await response.body?.cancel();
    return base(await sign(request));
  };
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    fetch: retryingFetch(options.retry, authenticated),
  });
}

async function problemCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { code?: unknown };
    return typeof body.code === "string" ? body.code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Awaits an `openapi-fetch` call and returns its data, or throws `ParleyError` with the
 * problem details (a network failure becomes code `network_error`, status 0).
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (cause) {
    throw new ParleyError({ code: "network_error", status: 0, detail: String(cause), cause });
  }
  if (!result.response.ok) throw ParleyError.fromResponse(result.response, result.error);
  return result.data as T;
}

/** Splits `type:id` into the path parameters of `/v1/channels/{type}/{id}`. */
export function channelPath(cid: string): { type: string; id: string } {
  const colon = cid.indexOf(":");
  if (colon <= 0 || colon === cid.length - 1) {
    throw new ParleyError({ code: "invalid_request", status: 0, detail: `\`${cid}\` is not a channel id of the form type:id` });
  }
  return { type: cid.slice(0, colon), id: cid.slice(colon + 1) };
}

/**
 * A random id usable as a client message id (`^[A-Za-z0-9_-]{1,64}$`), so a send repeated
 * after a lost answer or a reconnect is stored once. Uses `crypto.getRandomValues`, which
 * browsers, Node and React Native (with its usual polyfill) provide.
 */
export function clientId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let out = "c";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
