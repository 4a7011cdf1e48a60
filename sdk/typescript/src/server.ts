/**
 * `@parley/sdk/server`: for a tenant's backend and the operator. The secret-key client,
 * local minting of user tokens (HS256 through WebCrypto), and the operator's admin client.
 * Keep it out of browser bundles: these credentials grant everything.
 */

export { ParleyServerClient, type ServerClientOptions } from "./rest/server.js";
export { ParleyAdminClient, type AdminClientOptions } from "./rest/admin.js";
export { mintUserToken, type MintOptions } from "./jwt.js";
export * from "./index.js";
