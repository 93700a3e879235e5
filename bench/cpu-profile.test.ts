import { describe, expect, it } from 'vitest';
import { attributeProfile, ownerOfUrl, type CpuProfile } from './cpu-profile.ts';

const ROOT = '/work/parley';
const url = (file: string): string => `file://${ROOT}/${file}`;

describe('ownerOfUrl', () => {
  it('tells the bot from the fakes by path and package', () => {
    expect(ownerOfUrl(url('src/voice/pacer.ts'), ROOT)).toBe('bot');
    expect(ownerOfUrl(url('commands/ask.ts'), ROOT)).toBe('bot');
    expect(ownerOfUrl(url('node_modules/@discordjs/voice/dist/index.mjs'), ROOT)).toBe('bot');
    expect(ownerOfUrl(url('test/harness/discord/audio-capture.ts'), ROOT)).toBe('fakes');
    expect(ownerOfUrl(url('bench/load-guild.ts'), ROOT)).toBe('fakes');
    expect(ownerOfUrl(url('node_modules/ajv/dist/core.js'), ROOT)).toBe('fakes');
  });

  it('leaves code both sides use undecided', () => {
    expect(ownerOfUrl(url('node_modules/ws/lib/receiver.js'), ROOT)).toBeUndefined();
    expect(ownerOfUrl('node:dgram', ROOT)).toBeUndefined();
    expect(ownerOfUrl('', ROOT)).toBeUndefined();
  });
});

describe('attributeProfile', () => {
  it('gives native and shared frames to the nearest classifiable caller', () => {
    const frame = (functionName: string, file: string) => ({ functionName, url: file, lineNumber: 0 });
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 5, 7] },
        { id: 2, callFrame: frame('push', url('src/audio/opus-frames.ts')), children: [3] },
        { id: 3, callFrame: frame('encode', ''), children: [] },
        { id: 5, callFrame: frame('onMessage', 'node:dgram'), children: [6] },
        { id: 6, callFrame: frame('record', url('test/harness/discord/audio-capture.ts')), children: [] },
        { id: 7, callFrame: frame('(idle)', ''), children: [] },
      ],
      samples: [3, 3, 6, 5, 7],
      timeDeltas: [1_000, 1_000, 2_000, 1_000, 5_000],
    };
    const { ms, top } = attributeProfile(profile, ROOT);
    expect(ms).toMatchObject({ bot: 2, fakes: 2, unattributed: 1, idle: 5 });
    expect(top[0]).toMatchObject({ owner: 'bot', fn: 'encode', where: 'native, called from push src/audio/opus-frames.ts:1' });
  });
});
