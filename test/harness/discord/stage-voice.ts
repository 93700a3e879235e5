import { discordError } from './rest-server.ts';
import type { RestReply } from './rest-server.ts';
import { Permission, hasPermissions } from './permissions.ts';
import type { FakeGuild } from './fake-guild.ts';

/** The body of PATCH /guilds/{g}/voice-states/@me. */
export interface OwnVoiceStatePatch {
  channel_id?: string;
  suppress?: boolean;
  request_to_speak_timestamp?: string | null;
}

/**
 * PATCH /guilds/{g}/voice-states/@me with Discord's rules: only in the stage the bot is in; becoming a
 * speaker (suppress false) needs MuteMembers, raising a hand needs RequestToSpeak. Dispatches the bot's
 * VOICE_STATE_UPDATE on success.
 */
export function patchOwnVoiceState(
  guild: FakeGuild,
  botId: string,
  body: OwnVoiceStatePatch,
  dispatch: (event: string, data: Record<string, unknown>) => void,
): RestReply {
  const state = guild.voiceStates.get(botId);
  if (!state) return discordError(404, 10_065, 'Unknown Voice State');
  if (body.channel_id !== undefined && body.channel_id !== state.channelId) return discordError(400, 50_035, 'Invalid Form Body');
  if (guild.channel(state.channelId).kind !== 'stage') return discordError(400, 50_024, 'Cannot execute action on this channel type');
  const permissions = guild.permissionsOf(botId, state.channelId);
  if (body.suppress === false && !hasPermissions(permissions, Permission.MuteMembers)) return discordError(403, 50_013, 'Missing Permissions');
  if (body.request_to_speak_timestamp && !hasPermissions(permissions, Permission.RequestToSpeak)) return discordError(403, 50_013, 'Missing Permissions');
  if (body.suppress !== undefined) state.suppress = body.suppress;
  if (body.request_to_speak_timestamp !== undefined) state.requestToSpeakTimestamp = body.request_to_speak_timestamp;
  dispatch('VOICE_STATE_UPDATE', guild.voiceStateUpdate(botId));
  return { status: 204 };
}
