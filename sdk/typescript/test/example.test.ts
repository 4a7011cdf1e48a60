/** The README's example runs as written against a live server. */

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { startServer, type TestServer } from "./harness.js";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test("examples/two-users.mjs runs", async () => {
  const example = fileURLToPath(new URL("../examples/two-users.mjs", import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ["--experimental-websocket", example], {
    env: { ...process.env, PARLEY_URL: server.baseUrl, PARLEY_ADMIN_TOKEN: server.adminToken },
    timeout: 30_000,
  });
  assert.match(stdout, /\[bob's screen\] alice: Hi Bob!/);
  assert.match(stdout, /\[alice's screen\] bob: Hello Alice!/);
  assert.match(stdout, /history: 1:Hi Bob! \| 2:Hello Alice! \| 3:See you!/);
});

test("examples/quickstart.mjs (the README's quick start) runs", async () => {
  const tenant = await server.admin.createTenant({ name: "Quick start" });
  const example = fileURLToPath(new URL("../examples/quickstart.mjs", import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ["--experimental-websocket", example], {
    env: {
      ...process.env,
      PARLEY_URL: server.baseUrl,
      PARLEY_SECRET_KEY: tenant.secret_key,
      PARLEY_SIGNING_SECRET: tenant.signing_secret,
      PARLEY_PUBLISHABLE_KEY: tenant.publishable_key,
    },
    timeout: 30_000,
  });
  assert.match(stdout, /messaging:quickstart bob: Hi Alice, Bob here/);
  assert.match(stdout, /404 channel_not_found/);
});
