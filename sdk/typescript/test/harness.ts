/**
 * Starts real `parley serve` processes for the tests: SQLite in a fresh temporary data
 * directory, a free port, a known operator token, and any extra `parley.toml` settings.
 * The binary is `$PARLEY_BIN`, or the workspace's debug build.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ParleyAdminClient, ParleyServerClient, ParleyUserClient, type TokenProvider } from "../src/server.js";

const repo = resolve(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
const binary = process.env.PARLEY_BIN ?? join(repo, "target", "debug", "parley");
const running = new Set<ChildProcess>();

// A failed or interrupted run must not leave servers behind.
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface TestServer {
  baseUrl: string;
  adminToken: string;
  admin: ParleyAdminClient;
  /** Stops the process (SIGKILL: a crash; otherwise SIGTERM) and starts it again on the same port and data. */
  restart(options?: { kill?: boolean; downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Starts a server; `config` is extra `parley.toml` text (e.g. a `[realtime]` section). */
export async function startServer(config = ""): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "parley-sdk-test-"));
  const port = await freePort();
  const adminToken = `adm_test_${Math.random().toString(36).slice(2)}`;
  const configPath = join(dir, "parley.toml");
  // A short shutdown grace keeps restarts quick; tests' webhook receivers are on loopback.
  await writeFile(configPath, `[realtime]\nshutdown_grace_ms = 200\n${config}\n`);
  const baseUrl = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = "";

  const launch = async () => {
    const proc = spawn(binary, ["serve", "--config", configPath, "--bind", `127.0.0.1:${port}`, "--data-dir", join(dir, "data")], {
      cwd: dir,
      env: { ...process.env, PARLEY_ADMIN_TOKEN: adminToken, PARLEY_ALLOW_PRIVATE_URLS: "true", PARLEY_LOG: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    running.add(proc);
    proc.stdout?.on("data", (chunk) => (output += chunk));
    proc.stderr?.on("data", (chunk) => (output += chunk));
    proc.once("exit", () => running.delete(proc));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`parley exited (${proc.exitCode}):\n${output}`);
      try {
        const response = await fetch(`${baseUrl}/readyz`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`parley did not become ready on ${baseUrl}:\n${output}`);
  };

  const halt = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    baseUrl,
    adminToken,
    admin: new ParleyAdminClient({ baseUrl, adminToken }),
    async restart(options = {}) {
      await halt(options.kill ? "SIGKILL" : "SIGTERM");
      if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
      await launch();
    },
    async stop() {
      await halt("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface TestTenant {
  publishableKey: string;
  secretKey: string;
  signingSecret: string;
  server: ParleyServerClient;
  /** A user client for `userId` (created first), with a token minted by the server client. */
  user(userId: string, options?: { token?: string | TokenProvider }): Promise<ParleyUserClient>;
}

export async function createTenant(server: TestServer, name = "Acme"): Promise<TestTenant> {
  const created = await server.admin.createTenant({ name });
  const client = new ParleyServerClient({
    baseUrl: server.baseUrl,
    secretKey: created.secret_key,
    signingSecret: created.signing_secret,
  });
  return {
    publishableKey: created.publishable_key,
    secretKey: created.secret_key,
    signingSecret: created.signing_secret,
    server: client,
    async user(userId, options = {}) {
      await client.upsertUser(userId, { name: userId });
      const token = options.token ?? (await client.createToken(userId)).token;
      return new ParleyUserClient({ baseUrl: server.baseUrl, apiKey: created.publishable_key, token });
    },
  };
}

/** Waits until `check` returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
