import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AssistantTurn, TokenUsage, UserTurn } from '../../../src/conversation/types.ts';

export const GUILD_ID = 'guild-1';
export const CHANNEL_ID = 'voice-1';

/** Temp directories made by {@link makeTempDir}, removed by {@link removeTempDirs}. */
const tempDirs: string[] = [];

export function makeTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-store-'));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function userTurn(overrides: Partial<UserTurn> = {}): UserTurn {
  return {
    kind: 'user',
    id: randomUUID(),
    channelId: CHANNEL_ID,
    guildId: GUILD_ID,
    speakerId: 'user-ana',
    speakerName: 'Ana',
    text: 'hello',
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function assistantTurn(overrides: Partial<AssistantTurn> = {}): AssistantTurn {
  return {
    kind: 'assistant',
    id: randomUUID(),
    channelId: CHANNEL_ID,
    guildId: GUILD_ID,
    transcript: 'hi there',
    status: 'complete',
    createdAt: 1_700_000_001_000,
    ...overrides,
  };
}

export function tokens(overrides: Partial<TokenUsage> = {}): TokenUsage {
  return { textIn: 100, audioIn: 50, cachedIn: 10, textOut: 20, audioOut: 200, ...overrides };
}

/** A small but real WAV file (16-bit mono 24 kHz PCM, `durationMs` of silence). */
export function wavOfSilence(durationMs: number, sampleRateHz = 24_000): Buffer {
  const dataBytes = Math.round((sampleRateHz * durationMs) / 1_000) * 2;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRateHz, 24);
  header.writeUInt32LE(sampleRateHz * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return Buffer.concat([header, Buffer.alloc(dataBytes)]);
}
