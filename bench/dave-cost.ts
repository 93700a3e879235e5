/**
 * What DAVE (Discord's voice end-to-end encryption) adds per 20 ms packet on the bot's paths: davey's
 * `encryptOpus` before transport encryption on output, `decrypt` after transport decryption on input,
 * in an established two-member group (built with the fake voice gateway's external sender).
 */
import davey from '@snazzah/davey';
import { performance } from 'node:perf_hooks';
import { ExternalSender, daveGroupId, parseCommitWelcome, proposalsPayload } from '../test/harness/discord/mls-wire.ts';
import { DISCORD_CHANNELS, DISCORD_PCM_RATE, FRAME_VALUES_48K_STEREO } from '../src/audio/format.ts';
import { OpusFrameEncoder } from '../src/audio/opus-frames.ts';
import { speechLike } from '../test/support/signals.ts';

const CHANNEL_ID = '1100000000000000001';
const BOT_ID = '1100000000000000002';
/** The member whose frames the input path decrypts. */
export const MEMBER_ID = '1100000000000000003';

type Session = InstanceType<typeof davey.DAVESession>;

/** A bot session and a member session in one group, both ready to encrypt and decrypt. */
export function davePair(): { bot: Session; member: Session } {
  const sender = new ExternalSender();
  const bot = new davey.DAVESession(1, BOT_ID, CHANNEL_ID);
  const member = new davey.DAVESession(1, MEMBER_ID, CHANNEL_ID);
  bot.getSerializedKeyPackage();
  bot.setExternalSender(sender.package());
  member.setExternalSender(sender.package());
  const proposals = proposalsPayload([sender.addProposal(daveGroupId(CHANNEL_ID), 0n, member.getSerializedKeyPackage())]);
  const { commit, welcome } = bot.processProposals(davey.ProposalsOperationType.APPEND, proposals.subarray(1), [MEMBER_ID]);
  const parsed = parseCommitWelcome(Buffer.concat([commit!, welcome!]));
  bot.processCommit(parsed.commit);
  member.processWelcome(parsed.welcome!);
  return { bot, member };
}

/** Per-packet DAVE cost, microseconds (median of rounds), and the bytes it adds to each packet. */
export interface DaveCost {
  encryptUs: number;
  decryptUs: number;
  bytesAdded: number;
}

/** Times DAVE both ways on `seconds` of speech-like audio encoded as Parley encodes it. */
export function measureDaveCost(seconds: number, rounds = 3): DaveCost {
  const encoder = new OpusFrameEncoder();
  const speech = speechLike(seconds * 1_000, DISCORD_PCM_RATE, 603, DISCORD_CHANNELS);
  const opusPackets: Buffer[] = [];
  for (let offset = 0; offset + FRAME_VALUES_48K_STEREO <= speech.length; offset += FRAME_VALUES_48K_STEREO) {
    opusPackets.push(...encoder.push(speech.subarray(offset, offset + FRAME_VALUES_48K_STEREO)));
  }
  const { bot, member } = davePair();
  const encryptUs: number[] = [];
  const decryptUs: number[] = [];
  let bytesAdded = 0;
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    const sealed = opusPackets.map((p) => bot.encryptOpus(p));
    const t1 = performance.now();
    for (const frame of sealed) member.decrypt(BOT_ID, davey.MediaType.AUDIO, frame);
    const t2 = performance.now();
    encryptUs.push(((t1 - t0) * 1_000) / opusPackets.length);
    decryptUs.push(((t2 - t1) * 1_000) / opusPackets.length);
    bytesAdded = sealed.reduce((n, f, i) => n + f.length - opusPackets[i]!.length, 0) / sealed.length;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { encryptUs: median(encryptUs), decryptUs: median(decryptUs), bytesAdded };
}
