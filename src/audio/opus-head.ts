/**
 * The two Ogg Opus header packets (RFC 7845 section 5): OpusHead and OpusTags.
 */
import { AudioFormatError } from './errors.ts';

/** Fields of an OpusHead packet that matter for decoding. */
export interface OpusHead {
  channels: number;
  /** Samples at 48 kHz to discard from the start of the decoded stream. */
  preSkip: number;
  /** Rate of the audio before encoding (informational; Opus always decodes at 48 kHz here). */
  inputSampleRate: number;
  /** Gain to apply to the output, in Q7.8 dB. */
  outputGainQ8: number;
  mappingFamily: number;
}

const OPUS_HEAD_BYTES = 19;

/** Builds a mapping-family-0 OpusHead (mono or stereo). */
export function buildOpusHead(channels: 1 | 2, preSkip: number, inputSampleRate: number): Buffer {
  const head = Buffer.alloc(OPUS_HEAD_BYTES);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1; // version
  head[9] = channels;
  head.writeUInt16LE(preSkip, 10);
  head.writeUInt32LE(inputSampleRate, 12);
  head.writeInt16LE(0, 16); // output gain
  head[18] = 0; // mapping family 0: mono/stereo, no mapping table
  return head;
}

/** Builds an OpusTags packet with a vendor string and optional `KEY=value` comments. */
export function buildOpusTags(vendor: string, comments: readonly string[] = []): Buffer {
  const parts: Buffer[] = [Buffer.from('OpusTags', 'latin1'), lengthPrefixed(vendor)];
  const count = Buffer.alloc(4);
  count.writeUInt32LE(comments.length);
  parts.push(count, ...comments.map(lengthPrefixed));
  return Buffer.concat(parts);
}

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * Parses and validates an OpusHead packet. Multichannel streams (more than two channels,
 * which need libopus's multistream decoder) are rejected.
 * @throws AudioFormatError when the packet is not a usable OpusHead.
 */
export function parseOpusHead(packet: Buffer | undefined): OpusHead {
  if (!packet || packet.length < OPUS_HEAD_BYTES || packet.toString('latin1', 0, 8) !== 'OpusHead') {
    throw new AudioFormatError('That audio file is not Opus.', 'first Ogg packet is not OpusHead');
  }
  const version = packet[8]!;
  if (version >> 4 !== 0) {
    throw new AudioFormatError('That Opus file uses an unsupported version.', `OpusHead version ${version}`);
  }
  const head: OpusHead = {
    channels: packet[9]!,
    preSkip: packet.readUInt16LE(10),
    inputSampleRate: packet.readUInt32LE(12),
    outputGainQ8: packet.readInt16LE(16),
    mappingFamily: packet[18]!,
  };
  if (head.channels < 1 || head.channels > 2) {
    throw new AudioFormatError('Only mono or stereo Opus audio is supported.', `OpusHead channel count ${head.channels}`);
  }
  // Family 1 with one or two channels is laid out exactly like family 0 (one stream).
  if (head.mappingFamily !== 0 && head.mappingFamily !== 1) {
    throw new AudioFormatError('That Opus channel layout is not supported.', `mapping family ${head.mappingFamily}`);
  }
  if (head.mappingFamily === 1) {
    const streams = packet[19];
    const coupled = packet[20];
    if (streams !== 1 || coupled !== head.channels - 1) {
      throw new AudioFormatError('That Opus channel layout is not supported.', 'multistream Opus');
    }
  }
  return head;
}

/** @throws AudioFormatError when the packet is not an OpusTags header. */
export function assertOpusTags(packet: Buffer | undefined): void {
  if (!packet || packet.length < 16 || packet.toString('latin1', 0, 8) !== 'OpusTags') {
    throw new AudioFormatError('That Opus file is damaged.', 'second Ogg packet is not OpusTags');
  }
}
