/**
 * User tokens minted locally: HS256 JWTs signed with the tenant's signing secret through
 * WebCrypto (browsers' `crypto.subtle`, Node 20+, edge runtimes), so a backend needs no
 * JWT library and no round trip to `POST /v1/tokens`. Claims: `sub` (the user id), `iat` and
 * `exp`, the ones the server reads from its own tokens (a user's name is set with
 * `PUT /v1/users/{user_id}`, not from the token).
 */

export interface MintOptions {
  /** The tenant's signing secret (`signing_secret` of the tenant's creation). */
  signingSecret: string;
  /** The user the token is for; need not exist yet (created on first use). */
  userId: string;
  /** Lifetime in seconds; default 86,400. The server refuses tokens beyond its `max_token_ttl_s`. */
  expiresIn?: number;
  /** Issue time, seconds since the epoch; default now. */
  now?: number;
}

/** Mints a user token. */
export async function mintUserToken(options: MintOptions): Promise<string> {
  const iat = Math.floor(options.now ?? Date.now() / 1000);
  const claims = { sub: options.userId, iat, exp: iat + (options.expiresIn ?? 86_400) };
  const encoder = new TextEncoder();
  const signingInput = `${base64url(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })))}.${base64url(
    encoder.encode(JSON.stringify(claims)),
  )}`;
  const key = await globalThis.crypto.subtle.importKey(
    "raw",
    encoder.encode(options.signingSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await globalThis.crypto.subtle.sign("HMAC", key, encoder.encode(signingInput));
  return `${signingInput}.${base64url(new Uint8Array(signature))}`;
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
