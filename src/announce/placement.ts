/**
 * Getting the bot into the announcement's channel and back out. Three cases:
 * - already there: play in the current session;
 * - not in voice (or only there for announcements): join (or move) and leave afterwards;
 * - in another channel (a conversation, a /join): the same connection visits the announcement's
 *   channel and returns, so the session, its /talk conversation and a paused answer survive.
 * On a stage the bot makes itself a speaker.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ChannelType, type Guild, type VoiceBasedChannel } from 'discord.js';
import type { AppContext } from '../app-context.ts';
import { FRAME_MS } from '../audio/format.ts';
import { UserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { VoiceSession } from '../voice/session.ts';
import { OpusTrack, PRIORITY_ANNOUNCEMENT } from '../voice/track.ts';

export interface Placement {
  readonly session: VoiceSession;
  /** Queues the announcement's track; it plays as soon as it has packets, before any answer. */
  play(track: OpusTrack): void;
  /**
   * After the track is done: back to where the bot was, or out of voice if it came only for
   * announcements (`keepForNext`: another announcement follows, stay for it).
   */
  release(options?: { keepForNext?: boolean }): Promise<void>;
}

/** The pacer's closing silence frames (5) plus one, sent before the bot leaves or moves on. */
const PACER_TAIL_MS = 6 * FRAME_MS;

/** Puts the guild's voice session in `channel` for an announcement. */
export async function placeInChannel(ctx: AppContext, channel: VoiceBasedChannel, log: Logger): Promise<Placement> {
  const existing = ctx.voice.get(channel.guild.id);
  // Joining now would replace a session that is only reconnecting (and end its conversation).
  if (existing && !existing.isReady) throw new UserError("I'm reconnecting to voice right now. Please try again in a moment.");
  if (existing && existing.channelId !== channel.id && !existing.temporary) return visit(ctx, existing, channel, log);

  let session: VoiceSession;
  if (existing && existing.channelId !== channel.id) {
    // Only here for announcements: follow this one instead of returning somewhere nobody asked for.
    session = existing;
    await moveOrLeave(ctx, session, channel.id, log);
  } else {
    session = (await ctx.voice.join(channel, { temporary: true })).session;
  }
  try {
    await becomeSpeaker(channel);
  } catch (err) {
    leaveIfTemporary(ctx, session);
    throw err;
  }
  // After the track, a hold keeps a paused answer paused until the next queued announcement is in.
  const holdAfter = new OpusTrack(PRIORITY_ANNOUNCEMENT);
  return {
    session,
    play(track) {
      session.pacer.enqueue(track);
      session.pacer.enqueue(holdAfter);
    },
    async release(options = {}) {
      if (options.keepForNext) {
        // The next announcement takes its turn once this one returns: its track queues behind the hold.
        setImmediate(() => holdAfter.end());
        return;
      }
      holdAfter.end();
      if (!session.temporary) return;
      await sleep(PACER_TAIL_MS);
      leaveIfTemporary(ctx, session);
    },
  };
}

/** A session that belongs elsewhere visits `channel` and comes back after the announcement. */
async function visit(ctx: AppContext, session: VoiceSession, channel: VoiceBasedChannel, log: Logger): Promise<Placement> {
  const home = session.channelId!;
  const guild = channel.guild;
  const listenAgain = ctx.announcements.suspendListening(guild);
  const speakerAtHome = isSpeakerOnStage(guild, home);
  // Hold tracks (never given packets) keep the pacer silent around the move: an answer playing at home
  // pauses instead of playing into a connection that is switching channels, and resumes after.
  const holdBefore = session.pacer.enqueue(new OpusTrack(PRIORITY_ANNOUNCEMENT));
  const holdAfter = new OpusTrack(PRIORITY_ANNOUNCEMENT);
  const releaseHolds = () => {
    holdBefore.end();
    holdAfter.end();
  };

  const goHome = async () => {
    if (session.isDestroyed || session.visitingFrom !== home) return; // left, or claimed where it is
    session.visitingFrom = undefined;
    try {
      await session.moveTo(home);
      if (speakerAtHome) await becomeSpeaker(guild.channels.cache.get(home) as VoiceBasedChannel).catch(() => undefined);
      listenAgain(home);
      log.info('back in the home channel after an announcement', { channelId: home });
    } catch (err) {
      log.warn('could not return to the home channel; leaving voice', { err: err as Error, channelId: home });
      ctx.voice.leave(guild.id);
    }
  };

  session.visitingFrom = home;
  log.info('visiting another channel to announce', { from: home, to: channel.id });
  try {
    await session.moveTo(channel.id);
    await becomeSpeaker(channel);
  } catch (err) {
    await goHome();
    releaseHolds();
    if (err instanceof UserError) throw err;
    log.warn('could not move to the announcement channel', { err: err as Error });
    throw new UserError(`I couldn't get into ${channel.name} in time. Please try again.`);
  }
  return {
    session,
    play(track) {
      session.pacer.enqueue(track);
      session.pacer.enqueue(holdAfter);
      holdBefore.end();
    },
    async release() {
      try {
        await sleep(PACER_TAIL_MS);
        await goHome();
      } finally {
        releaseHolds();
      }
    },
  };
}

/** Moves a temporary session; a failed move leaves voice rather than staying stuck half-way. */
async function moveOrLeave(ctx: AppContext, session: VoiceSession, channelId: string, log: Logger): Promise<void> {
  try {
    await session.moveTo(channelId);
  } catch (err) {
    log.warn('could not move to the announcement channel', { err: err as Error });
    ctx.voice.leave(session.guildId);
    throw new UserError("I couldn't get into that channel in time. Please try again.");
  }
}

function leaveIfTemporary(ctx: AppContext, session: VoiceSession): void {
  if (session.temporary && !session.isDestroyed && ctx.voice.get(session.guildId) === session) ctx.voice.leave(session.guildId);
}

/** On a stage the bot starts in the audience: it unsuppresses itself (needs Mute Members there). */
export async function becomeSpeaker(channel: VoiceBasedChannel): Promise<void> {
  if (channel.type !== ChannelType.GuildStageVoice) return;
  const me = channel.guild.members.me;
  if (!me || (me.voice.channelId === channel.id && !me.voice.suppress)) return;
  try {
    await me.voice.setSuppressed(false);
  } catch {
    throw new UserError(`I can't speak on the stage ${channel.name}: I need the Mute Members permission there to become a speaker.`);
  }
}

function isSpeakerOnStage(guild: Guild, channelId: string): boolean {
  const voice = guild.members.me?.voice;
  return guild.channels.cache.get(channelId)?.type === ChannelType.GuildStageVoice && voice?.channelId === channelId && !voice.suppress;
}
