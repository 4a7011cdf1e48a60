/**
 * The client of a tenant's backend, authenticated with the secret key (`sk_…` bearer): full
 * access inside the tenant. Besides the shared calls (acting for a user by naming
 * `user_id`), it manages users, tokens, webhooks and the app's settings; `api` reaches every
 * other operation of the document.
 */

import { createApi, unwrap, type RestOptions } from "../http.js";
import { mintUserToken } from "../jwt.js";
import type { components } from "../generated/openapi.js";
import type { Ban, Delivery, NewBan, NewWebhook, Page, Token, User, UserInput, Webhook, WebhookPatch } from "../types.js";
import { RestClient } from "./base.js";

type S = components["schemas"];

export interface ServerClientOptions extends RestOptions {
  /** The tenant's secret key, `sk_…`. Keep it on servers. */
  secretKey: string;
  /** The tenant's signing secret, to mint user tokens locally with `mintToken`. */
  signingSecret?: string;
}

export class ParleyServerClient extends RestClient {
  private readonly signingSecret: string | undefined;

  constructor(options: ServerClientOptions) {
    super(createApi(options, { headers: () => ({ Authorization: `Bearer ${options.secretKey}` }) }), options.fetch);
    this.signingSecret = options.signingSecret;
  }

  // ------------------------------------------------------------------ tokens

  /** Mints a user token through the API (`POST /v1/tokens`). */
  createToken(userId: string, expiresIn?: number): Promise<Token> {
    return unwrap(this.api.POST("/v1/tokens", { body: { user_id: userId, expires_in: expiresIn } }));
  }

  /** Mints a user token locally with the signing secret given to the constructor. */
  mintToken(userId: string, options: { expiresIn?: number } = {}): Promise<string> {
    if (!this.signingSecret) throw new Error("mintToken needs the tenant's signingSecret in the client options");
    return mintUserToken({ signingSecret: this.signingSecret, userId, ...options });
  }

  // ------------------------------------------------------------------ users

  /** Creates or replaces a user. */
  upsertUser(userId: string, user: UserInput = {}): Promise<User> {
    return unwrap(this.api.PUT("/v1/users/{user_id}", { params: { path: { user_id: userId } }, body: user }));
  }

  /** Deactivates a user (`soft`, the default) or erases them (`hard`). */
  async deleteUser(userId: string, options: { mode?: "soft" | "hard"; messages?: "keep" | "delete" } = {}): Promise<void> {
    await unwrap(
      this.api.DELETE("/v1/users/{user_id}", { params: { path: { user_id: userId }, query: options } }),
    );
  }

  reactivateUser(userId: string): Promise<User> {
    return unwrap(this.api.POST("/v1/users/{user_id}/reactivate", { params: { path: { user_id: userId } } }));
  }

  /** Bans a user from the whole app (`shadow: true` for a shadow ban). */
  banUser(userId: string, ban: NewBan = {}): Promise<Ban> {
    return unwrap(this.api.POST("/v1/users/{user_id}/ban", { params: { path: { user_id: userId } }, body: ban }));
  }

  async unbanUser(userId: string): Promise<void> {
    await unwrap(this.api.DELETE("/v1/users/{user_id}/ban", { params: { path: { user_id: userId } } }));
  }

  // ------------------------------------------------------------------ webhooks

  /** Registers an endpoint; its signing `secret` is in this answer only. */
  createWebhook(webhook: NewWebhook): Promise<Webhook> {
    return unwrap(this.api.POST("/v1/webhooks", { body: webhook }));
  }

  listWebhooks(): Promise<S["Page_Webhook"]> {
    return unwrap(this.api.GET("/v1/webhooks"));
  }

  getWebhook(webhookId: string): Promise<Webhook> {
    return unwrap(this.api.GET("/v1/webhooks/{webhook_id}", { params: { path: { webhook_id: webhookId } } }));
  }

  updateWebhook(webhookId: string, patch: WebhookPatch): Promise<Webhook> {
    return unwrap(
      this.api.PATCH("/v1/webhooks/{webhook_id}", { params: { path: { webhook_id: webhookId } }, body: patch }),
    );
  }

  async deleteWebhook(webhookId: string): Promise<void> {
    await unwrap(this.api.DELETE("/v1/webhooks/{webhook_id}", { params: { path: { webhook_id: webhookId } } }));
  }

  /** Queues a `webhook.test` delivery to the endpoint. */
  testWebhook(webhookId: string): Promise<Delivery> {
    return unwrap(this.api.POST("/v1/webhooks/{webhook_id}/test", { params: { path: { webhook_id: webhookId } } }));
  }

  /** The endpoint's delivery log, newest first, with every attempt. */
  listDeliveries(webhookId: string, query: { status?: S["DeliveryStatus"]; limit?: number; cursor?: string } = {}): Promise<Page<Delivery>> {
    return unwrap(
      this.api.GET("/v1/webhooks/{webhook_id}/deliveries", { params: { path: { webhook_id: webhookId }, query } }),
    );
  }

  retryDelivery(webhookId: string, deliveryId: number | string): Promise<Delivery> {
    return unwrap(
      this.api.POST("/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", {
        params: { path: { webhook_id: webhookId, delivery_id: deliveryId as never } },
      }),
    );
  }

  // ------------------------------------------------------------------ app

  getApp(): Promise<S["App"]> {
    return unwrap(this.api.GET("/v1/app"));
  }

  /** Changes the app's settings (`settings` is written as a whole) or rotates its secrets. */
  updateApp(patch: S["AppPatch"]): Promise<S["App"]> {
    return unwrap(this.api.PATCH("/v1/app", { body: patch }));
  }
}
