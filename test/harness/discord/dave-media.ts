/**
 * What the members of a DAVE call hear of a bot frame: each member's client decrypts it with the
 * bot's sender key (after transport decryption). Silence frames pass unencrypted (protocol.md,
 * "Silence Packets"); any other frame without the DAVE trailer is dropped by a client in an
 * end-to-end encrypted call (protocol.md, "Protocol Frame Check" and "Passthrough Mode").
 */
import davey from '@snazzah/davey';
import { DAVE_MAGIC, OPUS_SILENCE, type DaveStats } from './dave-types.ts';

/** The first listening member's opus, or why the frame is lost to it. */
export type Hearing = { opus: Buffer } | { lost: 'not-e2ee' | 'undecryptable' | 'no-listener' };

/** Who listens: members in the group with ready sessions (the first one is the capture's ears). */
export interface Listeners {
  botUserId: string;
  inGroup: [string, InstanceType<typeof davey.DAVESession>][];
  /** Any member in the channel at all (none: nobody to hear, the frame is recorded as sent). */
  anyMembers: boolean;
  stats: DaveStats;
}

/** Decrypts one bot frame as every listening member, counting per member what was heard or lost. */
export function hearBotFrame(opus: Buffer, listeners: Listeners): Hearing {
  if (opus.equals(OPUS_SILENCE)) return { opus };
  const encrypted = opus.length >= 2 && opus.readUInt16BE(opus.length - 2) === DAVE_MAGIC;
  if (listeners.inGroup.length === 0) {
    if (!listeners.anyMembers) return { opus };
    return { lost: encrypted ? 'no-listener' : 'not-e2ee' };
  }
  let first: Buffer | undefined;
  listeners.inGroup.forEach(([userId, session], index) => {
    let clear: Buffer | undefined;
    try {
      if (encrypted) clear = session.decrypt(listeners.botUserId, davey.MediaType.AUDIO, opus);
    } catch {
      clear = undefined;
    }
    const counts = clear ? listeners.stats.heardByMember : listeners.stats.lostByMember;
    counts[userId] = (counts[userId] ?? 0) + 1;
    if (index === 0) first = clear;
  });
  if (!encrypted) return { lost: 'not-e2ee' };
  return first ? { opus: first } : { lost: 'undecryptable' };
}
