/**
 * Receiving under DAVE: members' speech arrives DAVE-encrypted; lost packets keep their time; a
 * member whose frames stop decrypting (including @discordjs/voice 0.19.2's transition-id-0 case) is
 * recovered by re-joining the encryption group. Each drill prints its figure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { speechLike } from '../support/signals.ts';
import { compareSpokenWav } from '../support/wav-checks.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const UTTERANCE_MS = 2_000;
const LOSS_RATIO = 0.1;

describe('drills: receiving under DAVE', () => {
  let bed: TestBed;
  const chatRequests = () => bed.openai.requests.filter((r) => r.path === '/v1/chat/completions');
  const talkStart = async () => {
    const start = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'talk', subcommand: 'start', options: {} });
    await start.waitForReply();
    await expect.poll(() => bed.bot.ctx.talk.get(bed.ids.guild)?.listening ?? [], { timeout: 10_000 }).toContain(bed.ids.alice);
    await expect.poll(() => bed.discord.dave(bed.ids.guild)?.privacyCode, { timeout: 10_000 }).toBeDefined();
  };
  /** Alice speaks; resolves with the WAV the model got. */
  const utterance = async (seed: number, opts: { corruptDave?: boolean } = {}) => {
    const spoken = speechLike(UTTERANCE_MS, DISCORD_PCM_RATE, seed, 2);
    bed.openai.scriptChat({ transcript: `Answer ${seed}.`, audio: speechLike(400, OPENAI_PCM_RATE, seed), speed: 4 });
    const before = chatRequests().length;
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, spoken, opts);
    if (opts.corruptDave) return undefined;
    const request = await bed.openai.waitForRequest((r) => r.path === '/v1/chat/completions' && chatRequests().indexOf(r) >= before, 10_000);
    await expect.poll(() => bed.bot.ctx.voice.get(bed.ids.guild)?.pacer.busy ?? false, { timeout: 15_000 }).toBe(false);
    return compareSpokenWav(spoken, request.inputAudio.at(-1)!.data);
  };

  beforeAll(async () => {
    bed = await startTestBed();
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it(`an utterance with ${LOSS_RATIO * 100} % of its packets lost reaches the model at its true length`, async () => {
    await talkStart();
    bed.discord.setUdpLoss(bed.ids.guild, LOSS_RATIO);
    try {
      const heard = (await utterance(501))!;
      const listener = bed.bot.ctx.talk.get(bed.ids.guild) as unknown as { listeners: Map<string, { lostPackets: number; encryptedPackets: number }> };
      const counts = listener.listeners.get(bed.ids.alice)!;
      console.log(
        `DAVE + ${LOSS_RATIO * 100} % loss: WAV ${heard.wavMs} ms of ${heard.spokenMs} ms, correlation ${heard.correlation.toFixed(3)}, ` +
          `${counts.lostPackets} packets concealed in place, ${counts.encryptedPackets} still-encrypted frames`,
      );
      expect(Math.abs(heard.wavMs - heard.spokenMs)).toBeLessThanOrEqual(60);
      expect(heard.correlation).toBeGreaterThanOrEqual(0.8);
      expect(counts.lostPackets).toBeGreaterThan(0);
    } finally {
      bed.discord.setUdpLoss(bed.ids.guild, 0);
    }
  });

  it('recovers a member whose frames stop decrypting, with transition id 0 (the library throws there)', async () => {
    bed.bot.ctx.talk.get(bed.ids.guild)?.close();
    bed.bot.ctx.voice.leave(bed.ids.guild);
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
    bed.discord.setDave({ zeroInitialTransition: true });
    try {
      await talkStart();
      const recoveriesBefore = bed.bot.ctx.voice.get(bed.ids.guild)!.daveRecovery.recoveries;
      const brokenAt = performance.now();
      const speaking = utterance(601, { corruptDave: true });
      const session = bed.bot.ctx.voice.get(bed.ids.guild)!;
      await expect.poll(() => session.daveRecovery.recoveries, { timeout: 10_000, interval: 5 }).toBeGreaterThan(recoveriesBefore);
      const triggeredMs = Math.round(performance.now() - brokenAt);
      await expect.poll(() => session.e2ee.ready && bed.discord.dave(bed.ids.guild)!.stats.welcomesToBot > 0, { timeout: 10_000, interval: 5 }).toBe(true);
      const recoveredMs = Math.round(performance.now() - brokenAt);
      await speaking;
      const heard = (await utterance(602))!;
      console.log(
        `DAVE decrypt failures injected: ${session.daveRecovery.recoveries - recoveriesBefore} re-join(s), triggered ${triggeredMs} ms and group re-joined ${recoveredMs} ms after the first bad frame; ` +
          `next utterance WAV ${heard.wavMs} ms of ${heard.spokenMs} ms, correlation ${heard.correlation.toFixed(3)}`,
      );
      expect(heard.correlation).toBeGreaterThanOrEqual(0.9);
      expect(bed.logs.some((line) => line.includes('re-joining the encryption group'))).toBe(true);
    } finally {
      bed.discord.setDave({ zeroInitialTransition: false });
    }
  });
});
