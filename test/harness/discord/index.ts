/**
 * The loopback fake Discord for Parley's end-to-end tests: start it in-process, point the real
 * discord.js at `apiBase`, trust `caCertPem` for the voice wss, and drive users, commands and voice.
 */
import { getCACertificates, setDefaultCACertificates } from 'node:tls';

export { FakeDiscord } from './fake-discord.ts';
export type { FakeDiscordOptions } from './fake-discord.ts';
export { FakeGuild } from './fake-guild.ts';
export { guildShard, snowflakeOnShard } from './shards.ts';
export type { ChannelKind, ChannelSpec, FakeChannel, FakeMember, FakeRole, GuildSpec, MemberSpec, RoleSpec } from './guild-types.ts';
export { ALL_PERMISSIONS, BOT_ROLE_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, Permission } from './permissions.ts';
export type { PermissionOverwrite } from './permissions.ts';
export type { AudioCapture, CapturedPacket } from './audio-capture.ts';
export type { MessageCommandRequest, SlashCommandRequest, SlashOptionValue } from './interaction-payloads.ts';
export type { ServeAttachmentSpec } from './attachments.ts';
export type { SpeakOptions, SpeakResult } from './member-voice.ts';
export type { IgnoredVoiceJoin } from './bot-voice.ts';
export type { InteractionRecord } from './interaction-record.ts';
export { MessageFlag } from './types.ts';
export type { AttachmentSpec, FakeInteraction, InteractionResponse, PostedMessage, UploadedFile } from './types.ts';
export { CHANNELS, SAMPLE_RATE_HZ, SAMPLES_PER_STEREO_FRAME } from './opus.ts';

/**
 * Makes this process trust the fake's voice certificate (Node 22.19+), keeping the default CAs.
 * @discordjs/voice always dials wss://, so call this before the bot joins voice. Idempotent.
 */
export function trustFakeDiscordCertificate(caCertPem: string): void {
  const current = getCACertificates('default');
  if (current.some((pem) => pem.trim() === caCertPem.trim())) return;
  setDefaultCACertificates([...current, caCertPem]);
}
