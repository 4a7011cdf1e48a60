/**
 * Names for the REST schemas the SDK's methods take and return, so applications need not
 * index `components["schemas"]` themselves. Every type comes from the generated document.
 */

import type { components, paths } from "./generated/openapi.js";

export type { components, paths };
type S = components["schemas"];

export type Attachment = S["Attachment"];
export type AttachmentInput = S["AttachmentInput"];
export type Ban = S["Ban"];
export type Channel = S["Channel"];
export type ChannelPatch = S["ChannelPatch"];
export type ChannelUnread = S["ChannelUnread"];
export type CreatedTenant = S["CreatedTenant"];
export type CreatedUpload = S["CreatedUpload"];
export type Delivery = S["Delivery"];
export type Member = S["Member"];
export type MemberPatch = S["MemberPatch"];
export type MemberRole = S["MemberRole"];
export type Message = S["Message"];
export type MessagePatch = S["MessagePatch"];
export type NewBan = S["NewBan"];
export type NewChannel = S["NewChannel"];
export type NewMessage = S["NewMessage"];
export type NewWebhook = S["NewWebhook"];
export type ReadState = S["ReadState"];
export type Tenant = S["Tenant"];
export type Token = S["Token"];
export type Unread = S["Unread"];
export type Upload = S["Upload"];
export type User = S["User"];
export type UserInput = S["UserInput"];
export type Webhook = S["Webhook"];
export type WebhookPatch = S["WebhookPatch"];

/** One page of a list: pass `next_cursor` back as `cursor` for the next one. */
export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}
