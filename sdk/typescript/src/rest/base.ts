/**
 * The REST calls a user's app and a tenant's server share: channels, members, messages,
 * reactions, threads, read state, history paging and uploads. Each method is one call of
 * the typed client `api`, which stays available for every other operation of the document.
 * With the secret key, name the acting user in `user_id` where the body has one.
 */

import { channelPath, clientId, unwrap, type ApiClient } from "../http.js";
import { ParleyError } from "../errors.js";
import type { paths } from "../generated/openapi.js";
import type {
  Attachment,
  Channel,
  ChannelPatch,
  Member,
  MemberPatch,
  MemberRole,
  Message,
  MessagePatch,
  NewChannel,
  NewMessage,
  Page,
  ReadState,
  Upload,
  User,
  UserInput,
} from "../types.js";

/** Bytes to upload: what `fetch` accepts as a body and whose size is known. */
export type UploadBody = Blob | ArrayBuffer | Uint8Array;

/** Where a page of history starts. */
export interface HistoryQuery {
  /** Messages before this message `seq` (older). */
  before_seq?: number;
  /** Messages after this message `seq` (newer). */
  after_seq?: number;
  /** 1 to 200; default 50. */
  limit?: number;
}

export class RestClient {
  /**
   * The typed client of the whole REST API, for operations without a method here:
   * `await client.api.POST("/v1/messages/{message_id}/pin", {params: {path: {message_id}}})`.
   */
  readonly api: ApiClient;
  /** The `fetch` used for signed media URLs (which take no credentials). */
  protected readonly rawFetch: (input: Request) => Promise<Response>;

  constructor(api: ApiClient, rawFetch?: (input: Request) => Promise<Response>) {
    this.api = api;
    this.rawFetch = rawFetch ?? ((request) => globalThis.fetch(request));
  }

  // ------------------------------------------------------------------ channels

  /** Creates a channel (or returns the existing one with that id or `distinct` member set). */
  createChannel(channel: NewChannel): Promise<Channel> {
    return unwrap(this.api.POST("/v1/channels", { body: channel }));
  }

  /** The caller's channels, newest activity first by default, with unread counts. */
  listChannels(query: NonNullable<paths["/v1/channels"]["get"]["parameters"]["query"]> = {}): Promise<Page<Channel>> {
    return unwrap(this.api.GET("/v1/channels", { params: { query } }));
  }

  getChannel(cid: string): Promise<Channel> {
    return unwrap(this.api.GET("/v1/channels/{type}/{id}", { params: { path: channelPath(cid) } }));
  }

  updateChannel(cid: string, patch: ChannelPatch): Promise<Channel> {
    return unwrap(this.api.PATCH("/v1/channels/{type}/{id}", { params: { path: channelPath(cid) }, body: patch }));
  }

  async deleteChannel(cid: string): Promise<void> {
    await unwrap(this.api.DELETE("/v1/channels/{type}/{id}", { params: { path: channelPath(cid) } }));
  }

  // ------------------------------------------------------------------ members

  /** Adds users (with `role`, default `member`); answers the channel. */
  addMembers(cid: string, userIds: string[], role?: MemberRole): Promise<Channel> {
    return unwrap(
      this.api.POST("/v1/channels/{type}/{id}/members", {
        params: { path: channelPath(cid) },
        body: { user_ids: userIds, role },
      }),
    );
  }

  async removeMember(cid: string, userId: string): Promise<void> {
    await unwrap(
      this.api.DELETE("/v1/channels/{type}/{id}/members/{user_id}", {
        params: { path: { ...channelPath(cid), user_id: userId } },
      }),
    );
  }

  updateMember(cid: string, userId: string, patch: MemberPatch): Promise<Member> {
    return unwrap(
      this.api.PATCH("/v1/channels/{type}/{id}/members/{user_id}", {
        params: { path: { ...channelPath(cid), user_id: userId } },
        body: patch,
      }),
    );
  }

  // ------------------------------------------------------------------ messages

  /**
   * Sends a message. It gets a client id unless it has one, so sending it again (a retry
   * after a lost answer) stores it once.
   */
  sendMessage(cid: string, message: NewMessage): Promise<Message> {
    return unwrap(
      this.api.POST("/v1/channels/{type}/{id}/messages", {
        params: { path: channelPath(cid) },
        body: { ...message, id: message.id ?? clientId() },
      }),
    );
  }

  /** Replies in the thread of `parentId` (a top-level message of the same channel). */
  reply(cid: string, parentId: string, message: NewMessage): Promise<Message> {
    return this.sendMessage(cid, { ...message, parent_id: parentId });
  }

  getMessage(messageId: string): Promise<Message> {
    return unwrap(this.api.GET("/v1/messages/{message_id}", { params: { path: { message_id: messageId } } }));
  }

  editMessage(messageId: string, patch: MessagePatch): Promise<Message> {
    return unwrap(
      this.api.PATCH("/v1/messages/{message_id}", { params: { path: { message_id: messageId } }, body: patch }),
    );
  }

  /** Deletes a message (a tombstone stays in history; `hard` also erases its files). */
  deleteMessage(messageId: string, options: { hard?: boolean; user_id?: string } = {}): Promise<Message> {
    return unwrap(
      this.api.DELETE("/v1/messages/{message_id}", {
        params: { path: { message_id: messageId }, query: options },
      }),
    );
  }

  /** One page of a channel's history, in ascending `seq` (the newest page by default). */
  history(cid: string, query: HistoryQuery = {}): Promise<Page<Message>> {
    return unwrap(
      this.api.GET("/v1/channels/{type}/{id}/messages", { params: { path: channelPath(cid), query } }),
    );
  }

  /**
   * Walks a channel's history backwards, one page at a time, newest page first (each page
   * itself in ascending `seq`), until the first message or `maxPages`.
   */
  async *historyPages(cid: string, options: { limit?: number; maxPages?: number } = {}): AsyncGenerator<Message[]> {
    let before: number | undefined;
    for (let page = 0; page < (options.maxPages ?? Infinity); page++) {
      const { items } = await this.history(cid, { limit: options.limit, before_seq: before });
      if (items.length === 0) return;
      yield items;
      const oldest = items[0]!.seq;
      if (oldest <= 1) return;
      before = oldest;
    }
  }

  /** The replies of a thread, oldest first. */
  replies(messageId: string, query: { limit?: number; cursor?: string } = {}): Promise<Page<Message>> {
    return unwrap(
      this.api.GET("/v1/messages/{message_id}/replies", { params: { path: { message_id: messageId }, query } }),
    );
  }

  // ------------------------------------------------------------------ reactions

  /** Adds a reaction; answers the message with its updated counts. */
  addReaction(messageId: string, type: string, userId?: string): Promise<Message> {
    return unwrap(
      this.api.POST("/v1/messages/{message_id}/reactions", {
        params: { path: { message_id: messageId } },
        body: { type, user_id: userId },
      }),
    );
  }

  removeReaction(messageId: string, type: string, userId?: string): Promise<Message> {
    return unwrap(
      this.api.DELETE("/v1/messages/{message_id}/reactions/{type}", {
        params: { path: { message_id: messageId, type }, query: { user_id: userId } },
      }),
    );
  }

  // ------------------------------------------------------------------ read state

  /** Marks the channel read up to message `seq` (default: everything). */
  markRead(cid: string, seq?: number, userId?: string): Promise<ReadState> {
    return unwrap(
      this.api.POST("/v1/channels/{type}/{id}/read", {
        params: { path: channelPath(cid) },
        body: { seq, user_id: userId },
      }),
    );
  }

  // ------------------------------------------------------------------ users

  getUser(userId: string): Promise<User> {
    return unwrap(this.api.GET("/v1/users/{user_id}", { params: { path: { user_id: userId } } }));
  }

  listUsers(query: { q?: string; limit?: number; cursor?: string } = {}): Promise<Page<User>> {
    return unwrap(this.api.GET("/v1/users", { params: { query } }));
  }

  updateUser(userId: string, patch: UserInput): Promise<User> {
    return unwrap(this.api.PATCH("/v1/users/{user_id}", { params: { path: { user_id: userId } }, body: patch }));
  }

  // ------------------------------------------------------------------ uploads

  /**
   * Uploads a file in the three steps of the API (announce, PUT the bytes to the signed URL
   * with exactly the headers it came with, complete) and returns the attachment, ready for
   * `sendMessage(cid, {attachments: [{upload_id}]})`.
   */
  async uploadFile(body: UploadBody, file: { filename: string; contentType: string; userId?: string }): Promise<Attachment> {
    const size = body instanceof Blob ? body.size : body.byteLength;
    const created = await unwrap(
      this.api.POST("/v1/uploads", {
        body: { filename: file.filename, content_type: file.contentType, size, user_id: file.userId },
      }),
    );
    const headers = new Headers(created.headers);
    // The signature covers the content length; fetch sets it from the body itself.
    headers.delete("content-length");
    let put: Response;
    try {
      put = await this.rawFetch(new Request(created.put_url, { method: "PUT", headers, body: body as BodyInit }));
    } catch (cause) {
      throw new ParleyError({ code: "network_error", status: 0, detail: String(cause), cause });
    }
    if (!put.ok) {
      const problem = await put.json().catch(() => undefined);
      throw ParleyError.fromResponse(put, problem);
    }
    return unwrap(
      this.api.POST("/v1/uploads/{upload_id}/complete", { params: { path: { upload_id: created.upload_id } } }),
    );
  }

  /** An upload with a fresh signed download URL. */
  getUpload(uploadId: string): Promise<Upload> {
    return unwrap(this.api.GET("/v1/uploads/{upload_id}", { params: { path: { upload_id: uploadId } } }));
  }
}
