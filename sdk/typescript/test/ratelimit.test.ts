/**
 * A 429 against a server with a low per-user rate: it surfaces as a typed error with the
 * problem details and `retryAfter`, and the opt-in retry policy waits it out.
 */

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ParleyError, ParleyUserClient } from "../src/index.js";
import { createTenant, startServer, type TestServer } from "./harness.js";

let server: TestServer;
before(async () => {
  server = await startServer("[limits]\nuser_requests_per_second = 1\n");
});
after(async () => {
  await server?.stop();
});

test("a 429 is a ParleyError with Retry-After, and the retry policy honours it", async () => {
  const tenant = await createTenant(server);
  const alice = await tenant.user("alice");
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => alice.me()));
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason);
  assert.ok(refused.length > 0, "some requests are over the rate");
  const error = refused[0];
  assert.ok(error instanceof ParleyError);
  assert.equal(error.status, 429);
  assert.equal(error.code, "rate_limited");
  assert.ok(error.title.length > 0 && error.detail.length > 0);
  assert.ok(error.retryAfter !== undefined && error.retryAfter >= 1, `retryAfter ${error.retryAfter}`);

  const patient = new ParleyUserClient({
    baseUrl: server.baseUrl,
    apiKey: tenant.publishableKey,
    token: (await tenant.server.createToken("alice")).token,
    retry: { maxRetries: 10 },
  });
  const all = await Promise.all(Array.from({ length: 4 }, () => patient.me()));
  assert.ok(all.every((u) => u.id === "alice"));
});
