import { discordError } from './rest-server.ts';
import type { RestReply, RestRequest, RestRouter } from './rest-server.ts';
import { CallbackType, INTERACTION_TOKEN_LIFETIME_MS } from './interaction-record.ts';
import type { InteractionRecord, InteractionRegistry } from './interaction-record.ts';
import { checkMessagePayload, isEmptyMessage } from './message-rules.ts';
import { MessageType, buildMessage, editMessage } from './message-json.ts';
import type { MessageContext } from './message-json.ts';
import type { AttachmentStore } from './attachments.ts';
import { MessageFlag } from './types.ts';
import type { InteractionResponse } from './types.ts';

/** What the interaction routes need from the fake. */
export interface InteractionRouteDeps {
  applicationId: string;
  botUser: Record<string, unknown>;
  registry: InteractionRegistry;
  attachments: AttachmentStore;
  /** How long the bot has for its first callback (Discord: 3 s). */
  ackDeadlineMs: number;
}

const unknownInteraction = (): RestReply => discordError(404, 10_062, 'Unknown interaction');
const unknownWebhook = (): RestReply => discordError(404, 10_015, 'Unknown Webhook');
const unknownMessage = (): RestReply => discordError(404, 10_008, 'Unknown Message');
const emptyMessage = (): RestReply => discordError(400, 50_006, 'Cannot send an empty message');

/** Registers the interaction callback and the interaction webhook (edit/follow-up) routes. */
export function addInteractionRoutes(router: RestRouter, deps: InteractionRouteDeps): void {
  const context = (record: InteractionRecord): MessageContext => ({
    channelId: record.channelId,
    guildId: record.guildId,
    author: deps.botUser,
    type: MessageType.ChatInputCommand,
    webhookId: deps.applicationId,
    applicationId: deps.applicationId,
  });
  const respond = (record: InteractionRecord, response: Omit<InteractionResponse, 'ephemeral' | 'at'>): void => {
    record.responses.push({ ...response, ephemeral: (response.flags & MessageFlag.Ephemeral) !== 0, at: performance.now() });
  };
  const files = (request: RestRequest): InteractionResponse['files'] => request.files.map(({ index: _index, ...file }) => file);

  router.add('POST', '/interactions/:id/:token/callback', (request, [id, token]) => {
    const record = deps.registry.byId(id!);
    if (!record || record.token !== token) return unknownInteraction();
    if (record.acknowledged) return discordError(400, 40_060, 'Interaction has already been acknowledged.');
    if (performance.now() - record.createdAt > deps.ackDeadlineMs) return unknownInteraction();
    const type = Number(request.json?.type);
    const data = request.json?.data ?? {};
    const dataRequest: RestRequest = { ...request, json: data };
    const flags = Number(data.flags ?? 0);
    if (type === CallbackType.Reply) {
      const problem = checkMessagePayload(dataRequest) ?? (isEmptyMessage(dataRequest) ? emptyMessage() : undefined);
      if (problem) return problem;
      record.original = buildMessage(dataRequest, deps.attachments, context(record), flags);
    } else if (type === CallbackType.DeferredReply) {
      const loading: RestRequest = { ...request, json: { content: '' }, files: [] };
      record.original = buildMessage(loading, deps.attachments, context(record), flags | MessageFlag.Loading);
    } else if (!Object.values(CallbackType).includes(type as never)) {
      return discordError(400, 50_035, 'Invalid Form Body', { type: { _errors: [{ code: 'BASE_TYPE_CHOICES', message: `Value must be one of ${Object.values(CallbackType).join(', ')}.` }] } });
    }
    record.acknowledged = true;
    const response: Omit<InteractionResponse, 'ephemeral' | 'at'> = { kind: 'callback', type, body: data, flags, files: files(request) };
    if (record.original && (type === CallbackType.Reply || type === CallbackType.DeferredReply)) response.messageId = record.original.id;
    respond(record, response);
    if (request.query.get('with_response') !== 'true') return { status: 204 };
    return {
      status: 200,
      body: {
        interaction: {
          id: record.id,
          type: 2,
          activity_instance_id: null,
          response_message_id: record.original?.id ?? null,
          response_message_loading: type === CallbackType.DeferredReply,
          response_message_ephemeral: (flags & MessageFlag.Ephemeral) !== 0,
        },
        resource: { type, ...(record.original ? { message: record.original } : {}) },
      },
    };
  }, { auth: false });

  /** The interaction behind a webhook route, or the error Discord answers. */
  const webhook = (app: string, token: string): InteractionRecord | RestReply => {
    const record = deps.registry.byToken(token);
    if (app !== deps.applicationId || !record) return unknownWebhook();
    if (performance.now() - record.createdAt > INTERACTION_TOKEN_LIFETIME_MS) return discordError(401, 50_027, 'Invalid Webhook Token');
    if (!record.acknowledged) return unknownWebhook();
    return record;
  };
  const isReply = (value: InteractionRecord | RestReply): value is RestReply => 'status' in value;
  const messageOf = (record: InteractionRecord, messageId: string): any | null =>
    messageId === '@original' ? record.original : record.followups.get(messageId) ?? null;

  router.add('GET', '/webhooks/:app/:token/messages/:message', (_request, [app, token, messageId]) => {
    const record = webhook(app!, token!);
    if (isReply(record)) return record;
    const message = messageOf(record, messageId!);
    return message ? { status: 200, body: message } : unknownMessage();
  }, { auth: false });

  router.add('PATCH', '/webhooks/:app/:token/messages/:message', (request, [app, token, messageId]) => {
    const record = webhook(app!, token!);
    if (isReply(record)) return record;
    const previous = messageOf(record, messageId!);
    if (!previous) return unknownMessage();
    const problem = checkMessagePayload(request);
    if (problem) return problem;
    // Visibility is fixed by the first response; an edit resolves the "thinking..." state.
    const edited = editMessage(previous, request, deps.attachments, previous.flags & ~MessageFlag.Loading);
    if (messageId === '@original') record.original = edited;
    else record.followups.set(messageId!, edited);
    respond(record, { kind: 'edit', body: request.json ?? {}, flags: edited.flags, files: files(request), messageId: edited.id });
    return { status: 200, body: edited };
  }, { auth: false });

  router.add('DELETE', '/webhooks/:app/:token/messages/:message', (_request, [app, token, messageId]) => {
    const record = webhook(app!, token!);
    if (isReply(record)) return record;
    const previous = messageOf(record, messageId!);
    if (!previous) return unknownMessage();
    if (messageId === '@original') record.original = null;
    else record.followups.delete(messageId!);
    respond(record, { kind: 'delete', body: null, flags: previous.flags, files: [], messageId: previous.id });
    return { status: 204 };
  }, { auth: false });

  router.add('POST', '/webhooks/:app/:token', (request, [app, token]) => {
    const record = webhook(app!, token!);
    if (isReply(record)) return record;
    const problem = checkMessagePayload(request) ?? (isEmptyMessage(request) ? emptyMessage() : undefined);
    if (problem) return problem;
    const flags = Number(request.json?.flags ?? 0);
    const message = buildMessage(request, deps.attachments, context(record), flags);
    record.followups.set(message.id, message);
    respond(record, { kind: 'followup', body: request.json ?? {}, flags, files: files(request), messageId: message.id });
    return request.query.get('wait') === 'true' ? { status: 200, body: message } : { status: 204 };
  }, { auth: false });
}
