import { nextSnowflake } from './ids.ts';
import type { AttachmentStore } from './attachments.ts';
import type { RestRequest } from './rest-server.ts';

/** Message types the fake creates: normal posts and interaction responses. */
export const MessageType = { Default: 0, ChatInputCommand: 20, ContextMenuCommand: 23 } as const;

/** Where a message lives and who wrote it. */
export interface MessageContext {
  channelId: string;
  guildId: string;
  author: Record<string, unknown>;
  type?: number;
  /** Interaction responses are webhook messages of the application. */
  webhookId?: string;
  applicationId?: string;
}

/**
 * The attachments of a new or edited message: each `attachments[]` entry whose id names a `files[n]`
 * part becomes a stored, downloadable attachment; ids of existing attachments keep them (edits).
 */
function resolveAttachments(request: RestRequest, store: AttachmentStore, channelId: string, previous?: any): any[] {
  const metas: any[] | undefined = request.json?.attachments;
  const byIndex = new Map(request.files.map((file) => [String(file.index), file]));
  const used = new Set<string>();
  const result: any[] = [];
  const upload = (file: RestRequest['files'][number], meta: any): void => {
    const served = store.serve({ filename: meta.filename ?? file.name, data: file.data, contentType: file.contentType ?? 'application/octet-stream' }, channelId);
    const attachment: Record<string, unknown> = { ...served, content_type: file.contentType ?? 'application/octet-stream' };
    for (const key of ['description', 'duration_secs', 'waveform', 'title', 'flags']) {
      if (meta[key] !== undefined) attachment[key] = meta[key];
    }
    result.push(attachment);
  };
  for (const meta of metas ?? []) {
    const file = byIndex.get(String(meta.id));
    if (file) {
      used.add(String(meta.id));
      upload(file, meta);
    } else {
      const kept = previous?.attachments?.find((a: any) => a.id === String(meta.id));
      if (kept) result.push(kept);
    }
  }
  if (metas === undefined && previous) result.push(...previous.attachments);
  for (const file of request.files) if (!used.has(String(file.index))) upload(file, {});
  return result;
}

/** A message object as Discord returns it for a POST. */
export function buildMessage(request: RestRequest, store: AttachmentStore, ctx: MessageContext, flags: number): any {
  const payload = request.json ?? {};
  const message: Record<string, unknown> = {
    id: nextSnowflake(),
    channel_id: ctx.channelId,
    guild_id: ctx.guildId,
    author: ctx.author,
    content: payload.content ?? '',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: Boolean(payload.tts),
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: resolveAttachments(request, store, ctx.channelId),
    embeds: payload.embeds ?? [],
    components: payload.components ?? [],
    pinned: false,
    type: ctx.type ?? MessageType.Default,
    flags,
  };
  if (payload.nonce !== undefined) message.nonce = payload.nonce;
  if (ctx.webhookId !== undefined) message.webhook_id = ctx.webhookId;
  if (ctx.applicationId !== undefined) message.application_id = ctx.applicationId;
  return message;
}

/** The message after a PATCH: fields present in the payload replace the old ones. */
export function editMessage(previous: any, request: RestRequest, store: AttachmentStore, flags: number): any {
  const payload = request.json ?? {};
  const edited = { ...previous, edited_timestamp: new Date().toISOString(), flags };
  for (const key of ['content', 'embeds', 'components']) {
    if (payload[key] !== undefined) edited[key] = payload[key] ?? (key === 'content' ? '' : []);
  }
  if (payload.attachments !== undefined || request.files.length > 0) {
    edited.attachments = resolveAttachments(request, store, previous.channel_id, previous);
  }
  return edited;
}
