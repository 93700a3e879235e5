import { discordError } from './rest-server.ts';
import type { RestReply, RestRequest } from './rest-server.ts';
import { MessageFlag } from './types.ts';
import { Permission, hasPermissions } from './permissions.ts';

/** Discord's content limit for bot messages. */
const MAX_CONTENT_CHARS = 2_000;
/** Upload limit of an unboosted guild (also sent as `attachment_size_limit` in interactions). */
export const ATTACHMENT_SIZE_LIMIT_BYTES = 10 * 1024 * 1024;

/**
 * Checks a message payload the way Discord does where Parley relies on it; undefined when fine.
 * `permissions` is the bot's permission set in the channel, omitted for interaction webhooks (those
 * need no channel permissions).
 */
export function checkMessagePayload(request: RestRequest, permissions?: bigint): RestReply | undefined {
  const payload = request.json ?? {};
  const flags = Number(payload.flags ?? 0);
  const isVoiceMessage = (flags & MessageFlag.IsVoiceMessage) !== 0;
  if (permissions !== undefined) {
    if (!hasPermissions(permissions, Permission.ViewChannel)) return discordError(403, 50_001, 'Missing Access');
    if (!hasPermissions(permissions, Permission.SendMessages)) return discordError(403, 50_013, 'Missing Permissions');
    if (request.files.length > 0 && !hasPermissions(permissions, Permission.AttachFiles)) {
      return discordError(403, 50_013, 'Missing Permissions');
    }
    if (isVoiceMessage && !hasPermissions(permissions, Permission.SendVoiceMessages)) {
      return discordError(403, 50_013, 'Missing Permissions');
    }
  }
  if (typeof payload.content === 'string' && payload.content.length > MAX_CONTENT_CHARS) {
    return discordError(400, 50_035, 'Invalid Form Body', {
      content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_CONTENT_CHARS} or fewer in length.` }] },
    });
  }
  if (request.files.some((file) => file.data.length > ATTACHMENT_SIZE_LIMIT_BYTES)) {
    return discordError(413, 40_005, 'Request entity too large');
  }
  if (isVoiceMessage) {
    const voiceProblem = checkVoiceMessage(request);
    if (voiceProblem) return voiceProblem;
  }
  return undefined;
}

/** POSTs must carry something: content, embeds, files, components, stickers or a poll. */
export function isEmptyMessage(request: RestRequest): boolean {
  const payload = request.json ?? {};
  const has = (value: unknown): boolean => (Array.isArray(value) ? value.length > 0 : Boolean(value));
  return !has(payload.content) && !has(payload.embeds) && !has(payload.components) && !has(payload.sticker_ids) && !has(payload.poll) && request.files.length === 0;
}

/** Voice messages: no content/embeds, exactly one file, whose metadata has duration_secs and waveform. */
function checkVoiceMessage(request: RestRequest): RestReply | undefined {
  const payload = request.json ?? {};
  if ((typeof payload.content === 'string' && payload.content.length > 0) || (payload.embeds?.length ?? 0) > 0) {
    return discordError(400, 50_159, 'Voice messages do not support additional content.');
  }
  if (request.files.length !== 1) {
    return discordError(400, 50_160, 'Voice messages must have a single audio attachment.');
  }
  const meta = (payload.attachments ?? []).find((a: any) => String(a.id) === String(request.files[0]!.index));
  if (!meta || typeof meta.duration_secs !== 'number' || typeof meta.waveform !== 'string') {
    return discordError(400, 50_161, 'Voice messages must have supporting metadata.');
  }
  return undefined;
}
