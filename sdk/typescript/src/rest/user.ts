/**
 * The client of an end user's app: the tenant's publishable key (`X-Api-Key`) and a user
 * token (`Authorization: Bearer`), with the calls only a user makes (`/v1/me/*`). The token
 * comes from the app's provider, which is asked again when the server says it expired.
 */

import { createApi, TOKEN_CODES, unwrap, type RestOptions } from "../http.js";
import type { Page, Unread, User } from "../types.js";
import type { components } from "../generated/openapi.js";
import { RestClient } from "./base.js";

/**
 * Gives the user token: called for the first request or connection and again, with
 * `{forceRefresh: true}`, after the server refused the current one (`token_expired`,
 * `invalid_token`). Typically asks the app's own backend, which mints it with the
 * tenant's secret key or signing secret.
 */
export type TokenProvider = (context: { forceRefresh: boolean; reason?: string }) => Promise<string> | string;

export interface UserClientOptions extends RestOptions {
  /** The tenant's publishable key, `pk_…`. */
  apiKey: string;
  /** A user token, or a provider that can mint a new one. */
  token: string | TokenProvider;
}

/** Holds the current user token and refreshes it once per expiry, for REST and realtime alike. */
export class TokenSource {
  private current: string | undefined;
  private pending: Promise<string> | undefined;
  private readonly provider: TokenProvider | undefined;

  constructor(token: string | TokenProvider) {
    if (typeof token === "string") this.current = token;
    else this.provider = token;
  }

  /** Whether a new token can be asked for. */
  get refreshable(): boolean {
    return this.provider !== undefined;
  }

  /**
   * The current token, asking the provider for the first one, or for a new one when the
   * current one's `exp` has passed (a clock ahead of the server's is caught by the server's
   * `token_expired`, which refreshes too).
   */
  async get(): Promise<string> {
    if (this.current !== undefined && !(this.provider && expiresWithin(this.current, 0))) return this.current;
    return this.refresh(this.current === undefined ? undefined : "token_expired");
  }

  /** Asks the provider for a new token; concurrent callers share one request. */
  refresh(reason?: string): Promise<string> {
    if (!this.provider) return Promise.resolve(this.current ?? "");
    const provider = this.provider;
    this.pending ??= (async () => {
      try {
        const token = await provider({ forceRefresh: this.current !== undefined, reason });
        this.current = token;
        return token;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}

/**
 * Whether a JWT's `exp` is less than `seconds` away (false when the token is not a JWT
 * with an `exp`: then only the server can tell).
 */
export function expiresWithin(token: string, seconds: number): boolean {
  const payload = token.split(".")[1];
  if (!payload) return false;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" && exp - Date.now() / 1000 < seconds;
  } catch {
    return false;
  }
}

export class ParleyUserClient extends RestClient {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** The user token in use; shared with the realtime client made by `realtime()`. */
  readonly tokens: TokenSource;
  /** The options this client was made with (the realtime client reuses them). */
  readonly options: UserClientOptions;

  constructor(options: UserClientOptions) {
    const tokens = new TokenSource(options.token);
    super(
      createApi(options, {
        headers: async () => ({ "X-Api-Key": options.apiKey, Authorization: `Bearer ${await tokens.get()}` }),
        refresh: async (code) => {
          if (!tokens.refreshable || !TOKEN_CODES.includes(code)) return false;
          await tokens.refresh(code);
          return true;
        },
      }),
      options.fetch,
    );
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    this.tokens = tokens;
    this.options = options;
  }

  /** The signed-in user. */
  me(): Promise<User> {
    return unwrap(this.api.GET("/v1/me"));
  }

  /** Unread counts: the total and, per channel, the count and the read mark. */
  unread(): Promise<Unread> {
    return unwrap(this.api.GET("/v1/me/unread"));
  }

  /** Users the caller blocked. */
  blocks(): Promise<components["schemas"]["Block"][]> {
    return unwrap(this.api.GET("/v1/me/blocks"));
  }

  async block(userId: string): Promise<void> {
    await unwrap(this.api.POST("/v1/me/blocks/{user_id}", { params: { path: { user_id: userId } } }));
  }

  async unblock(userId: string): Promise<void> {
    await unwrap(this.api.DELETE("/v1/me/blocks/{user_id}", { params: { path: { user_id: userId } } }));
  }

  /** Users the caller muted (no push for their messages). */
  mutes(): Promise<Page<components["schemas"]["Mute"]>> {
    return unwrap(this.api.GET("/v1/me/mutes"));
  }
}
