import { ParleyServerClient, ParleyUserClient, ParleyRealtime, ParleyError } from "@parley/sdk/server";

const baseUrl = process.env.PARLEY_URL ?? "http://127.0.0.1:8080";

// On your server: the secret key and the signing secret of your tenant.
const server = new ParleyServerClient({
  baseUrl,
  secretKey: process.env.PARLEY_SECRET_KEY,
  signingSecret: process.env.PARLEY_SIGNING_SECRET,
});
await server.upsertUser("alice", { name: "Alice" });
await server.upsertUser("bob", { name: "Bob" });

// In the app (here in the same process): the publishable key and a token provider, which
// your app would point at your own backend. It is asked again when a token expires.
const alice = new ParleyUserClient({
  baseUrl,
  apiKey: process.env.PARLEY_PUBLISHABLE_KEY,
  token: () => server.mintToken("alice", { expiresIn: 3600 }),
  retry: { maxRetries: 3 }, // wait out 429 and 503 answers (Retry-After)
});

// Listen for events: every channel Alice is a member of, resumed across reconnects.
const realtime = new ParleyRealtime(alice);
realtime.on("message.new", ({ cid, message }) => console.log(`${cid} ${message.user_id}: ${message.text}`));
realtime.on("state", ({ state }) => console.log(`connection: ${state}`));
await realtime.connect();

// Send a message, over REST or over the socket (resolves with the stored message on ack).
const channel = await alice.createChannel({ type: "messaging", id: "quickstart", members: ["bob"] });
await alice.sendMessage(channel.cid, { text: "Hello over REST" });
await realtime.sendMessage(channel.cid, { text: "Hello over the socket" });
await server.sendMessage(channel.cid, { text: "Hi Alice, Bob here", user_id: "bob" });

// Errors are ParleyError with the problem details.
try {
  await alice.getChannel("messaging:does-not-exist");
} catch (error) {
  if (!(error instanceof ParleyError)) throw error;
  console.log(`${error.status} ${error.code}: ${error.detail}`);
}

await new Promise((resolve) => setTimeout(resolve, 500)); // let the last event arrive
realtime.disconnect();
