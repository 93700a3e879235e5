/**
 * Every voice wait is bounded: a reconnect that hangs in Signalling (Discord ignores the rejoin) while
 * the pacer holds an answer inside the channel's turn lock. The answer ends as interrupted with what
 * was heard, the session ends, and the conversation goes on. Prints the times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoiceConnectionStatus } from '@discordjs/voice';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { RECONNECT_HOLD_MS } from '../../src/voice/pacer.ts';
import { VOICE_READY_TIMEOUT_MS } from '../../src/voice/connection.ts';
import { Permission, type InteractionRecord } from '../harness/discord/index.ts';
import { compareHeard } from '../support/audio-checks.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';
import { finalReply } from '../support/final-reply.ts';

describe('drills: a voice reconnect that never completes', () => {
  let bed: TestBed;
  const ask = (prompt: string) => bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'ask', options: { prompt } });
  const final = (interaction: InteractionRecord, timeoutMs = 30_000): Promise<string> => finalReply(interaction, timeoutMs);

  beforeAll(async () => {
    bed = await startTestBed();
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('ends a held answer as interrupted, then the stuck session, and answers the next /ask', async () => {
    const { discord, ids, guild } = bed;
    const transcript = 'This answer is long enough to be cut by a reconnect that never finishes.';
    bed.openai.scriptChat({ transcript, audio: speechLike(6_000, OPENAI_PCM_RATE, 31), speed: 1 });
    const capture = discord.capture(ids.guild);
    const interaction = ask('Tell me something long.');
    await capture.waitForPackets(25, 20_000);
    const session = bed.bot.ctx.voice.get(ids.guild)!;
    // Discord ignores the bot's rejoin (no Connect any more): the library waits in Signalling for ever.
    guild.setPermissionOverwrite('Lounge', { id: discord.botUserId, type: 1, allow: 0n, deny: Permission.Connect });
    const droppedAt = performance.now();
    await discord.closeVoice(ids.guild, 4006);
    await expect.poll(() => session.connection.state.status, { timeout: 5_000, interval: 5 }).not.toBe(VoiceConnectionStatus.Ready);
    const reply = await final(interaction);
    const answerEndedMs = Math.round(performance.now() - droppedAt);
    const answer = (await bed.bot.ctx.store.history(ids.voice)).at(-1);
    await expect.poll(() => session.isDestroyed, { timeout: VOICE_READY_TIMEOUT_MS + 10_000, interval: 50 }).toBe(true);
    const sessionEndedMs = Math.round(performance.now() - droppedAt);
    console.log(
      `stuck reconnect: answer ended ${answerEndedMs} ms after the drop (hold bound ${RECONNECT_HOLD_MS} ms), stored as ` +
        `${answer?.kind === 'assistant' ? `${answer.status}: "${answer.transcript}"` : '(nothing)'}; session ended after ${sessionEndedMs} ms; reply: ${reply}`,
    );
    expect(answer?.kind === 'assistant' && answer.status).toBe('interrupted');
    expect(answer?.kind === 'assistant' && transcript.startsWith(answer.transcript)).toBe(true);
    expect(answerEndedMs).toBeLessThan(RECONNECT_HOLD_MS + 5_000);

    guild.removePermissionOverwrite('Lounge', discord.botUserId);
    const next = speechLike(800, OPENAI_PCM_RATE, 32);
    bed.openai.scriptChat({ transcript: 'Back again.', audio: next, speed: 2 });
    capture.reset();
    expect(await final(ask('Are you back?'))).toContain('Back again.');
    await capture.waitForQuiet(300, 10_000);
    const match = compareHeard(next, capture.pcm());
    console.log(`stuck reconnect: the next /ask rejoined and was heard: ${match.durationMs} of ${match.expectedMs} ms, correlation ${match.correlation.toFixed(3)}`);
    expect(match.correlation).toBeGreaterThanOrEqual(0.9);
  }, 90_000);
});
