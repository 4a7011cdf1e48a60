/**
 * `@parley/sdk`: the client of a user's app (browsers, React Native, Node 20+). REST calls
 * with the publishable key and a user token, and the realtime connection. The tenant's
 * server side (secret key, token minting, operator calls) is `@parley/sdk/server`.
 */

export { ParleyError, type Problem, type RetryPolicy } from "./errors.js";
export { type ApiClient, type RestOptions } from "./http.js";
export { RestClient, type HistoryQuery, type UploadBody } from "./rest/base.js";
export { ParleyUserClient, type TokenProvider, type UserClientOptions } from "./rest/user.js";
export { ParleyRealtime, type RealtimeOptions, type ReconnectPolicy } from "./realtime/client.js";
export type { ChannelReadState } from "./realtime/unread.js";
export type { WebSocketConstructor, WebSocketLike } from "./realtime/transport.js";
export type * from "./realtime/events.js";
export type * from "./types.js";
