// Two users chatting through Parley: the operator creates a tenant, the tenant's server
// creates Alice and Bob and mints their tokens, each app connects in realtime, and they
// exchange a few messages, one over REST and the others over the socket.
//
//   PARLEY_URL=http://127.0.0.1:8080 PARLEY_ADMIN_TOKEN=$(cat parley-data/admin-token) \
//     node --experimental-websocket examples/two-users.mjs
//
// (`--experimental-websocket` gives Node 20 its WebSocket; Node 22+ has it on by default.)

import { ParleyAdminClient, ParleyServerClient, ParleyUserClient, ParleyRealtime } from "@parley/sdk/server";

const baseUrl = process.env.PARLEY_URL ?? "http://127.0.0.1:8080";
const admin = new ParleyAdminClient({ baseUrl, adminToken: process.env.PARLEY_ADMIN_TOKEN });

// The operator's part: a tenant, with its keys (shown once).
const tenant = await admin.createTenant({ name: `Example ${Date.now()}` });

// The tenant's backend: users and their tokens.
const backend = new ParleyServerClient({ baseUrl, secretKey: tenant.secret_key, signingSecret: tenant.signing_secret });
await backend.upsertUser("alice", { name: "Alice" });
await backend.upsertUser("bob", { name: "Bob" });

// Each app: a REST client with a token provider (here: minted locally by the backend) and a realtime client.
function app(userId) {
  const client = new ParleyUserClient({
    baseUrl,
    apiKey: tenant.publishable_key,
    token: () => backend.mintToken(userId, { expiresIn: 3600 }),
  });
  const realtime = new ParleyRealtime(client);
  realtime.on("message.new", ({ message }) => {
    if (message.user_id !== userId) console.log(`[${userId}'s screen] ${message.user_id}: ${message.text}`);
  });
  realtime.on("state", ({ state }) => console.log(`[${userId}] ${state}`));
  return { client, realtime };
}
const alice = app("alice");
const bob = app("bob");
await Promise.all([alice.realtime.connect(), bob.realtime.connect()]);

// Alice opens a channel with Bob; Bob is subscribed to it as he is added.
const channel = await alice.client.createChannel({ type: "messaging", id: "example", members: ["bob"] });
const heard = new Promise((resolve) => bob.realtime.on("message.new", (e) => e.message.text === "See you!" && resolve()));

await alice.client.sendMessage(channel.cid, { text: "Hi Bob!" });               // REST
await bob.realtime.sendMessage(channel.cid, { text: "Hello Alice!" });           // WebSocket, resolves on ack
await alice.realtime.sendMessage(channel.cid, { text: "See you!" });
await heard;

await bob.client.markRead(channel.cid); // in a UI, `bob.realtime.markRead(cid)` throttles this
const unread = await bob.client.unread();
console.log(`Bob's unread count: ${unread.total_unread_count}`);
const history = await bob.client.history(channel.cid);
console.log(`history: ${history.items.map((m) => `${m.seq}:${m.text}`).join(" | ")}`);

alice.realtime.disconnect();
bob.realtime.disconnect();
