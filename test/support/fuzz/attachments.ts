/**
 * Files the fuzzer offers the bot, served by the fake Discord: random bytes behind real magic numbers
 * (RIFF/WAVE, OggS + OpusHead, ID3, MP3 frame sync), WAV headers with absurd fields, valid files with
 * flipped or missing bytes, lying content types and declared sizes, downloads that fail, and hostile
 * files built to make the parsers work (support/hostile-audio.ts): long low-bitrate Ogg, lying MP3
 * headers, WAV headers that claim more than is there, truncated and endless Ogg, thousands of tiny pages.
 */
import { encodeOggOpus } from '../../../src/audio/ogg-opus.ts';
import { encodeWav } from '../../../src/audio/wav.ts';
import type { ServeAttachmentSpec } from '../../harness/discord/index.ts';
import { endlessOggPacket, longLowBitrateOggOpus, lyingMp3, overclaimingWav, tinyOggPages, truncatedOggOpus } from '../hostile-audio.ts';
import { speechLike } from '../signals.ts';
import type { Random } from './random.ts';
import { oddFragment } from './strings.ts';

const CONTENT_TYPES = [
  undefined,
  'audio/wav',
  'audio/x-wav',
  'audio/mpeg',
  'audio/ogg',
  'audio/ogg; codecs=opus',
  'video/mp4',
  'image/png',
  'text/plain; charset=utf-8',
  'application/octet-stream',
  'audio/',
  '',
];
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const EXTENSIONS = ['.wav', '.mp3', '.ogg', '.opus', '.png', '', '.WAV', '.ogg.exe', '.mp3 '];

/** Valid files to start from, made once: encoding Ogg Opus costs a few milliseconds each time. */
let validFiles: Buffer[] | undefined;
function validSamples(): Buffer[] {
  validFiles ??= [
    encodeWav(speechLike(300, 24_000, 901), 24_000, 1),
    encodeWav(speechLike(200, 16_000, 902), 16_000, 1),
    encodeWav(speechLike(200, 48_000, 903, 2), 48_000, 2),
    Buffer.from(encodeOggOpus(speechLike(400, 48_000, 904), 48_000, 1)),
    Buffer.from(encodeOggOpus(speechLike(300, 48_000, 905, 2), 48_000, 2)),
  ];
  return validFiles;
}

/**
 * Hostile files within `maxBytes`, made once per size. A few hundred kB each is past the fuzz's time
 * limit already; the full 25 MB versions are in ask-hostile-audio.test.ts (thousands of MB-sized
 * downloads through the fake on the bot's own thread would only slow the fuzz down).
 */
const hostileFiles = new Map<number, Buffer[]>();
const HOSTILE_FILE_BYTES = 300_000;
function hostileSamples(maxBytes: number): Buffer[] {
  let files = hostileFiles.get(maxBytes);
  if (!files) {
    const bytes = Math.min(maxBytes, HOSTILE_FILE_BYTES);
    files = [
      longLowBitrateOggOpus(bytes).data,
      lyingMp3(Math.floor(maxBytes / 2 / 417), 10).data, // claims 0.3 s, holds half a minute per MB
      lyingMp3(20, 10_000_000).data, // claims days, holds half a second
      overclaimingWav(300, 3_600_000).data,
      truncatedOggOpus(1_000).data,
      endlessOggPacket(bytes).data,
      tinyOggPages(bytes, 1_000).data, // granules claim 1 s, pages hold minutes
      tinyOggPages(bytes, 3_600_000).data,
    ];
    hostileFiles.set(maxBytes, files);
  }
  return files;
}

/** A WAV header with random (often absurd) fmt fields and data size, followed by random bytes. */
function absurdWav(random: Random): Buffer {
  const body = random.bytes(random.int(0, 4_000));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(random.chance(0.5) ? 36 + body.length : random.int(0, 0xffff_ffff), 4);
  header.write('WAVE', 8, 'ascii');
  header.write(random.chance(0.9) ? 'fmt ' : 'fmt\0', 12, 'ascii');
  header.writeUInt32LE(random.pick([16, 18, 40, 0, 2, 0xffff_ffff]), 16);
  header.writeUInt16LE(random.pick([1, 3, 0xfffe, 0, 2, 85]), 20); // PCM, float, extensible, none, ADPCM, MP3
  header.writeUInt16LE(random.pick([1, 2, 0, 6, 255, 65_535]), 22);
  header.writeUInt32LE(random.pick([24_000, 8_000, 48_000, 0, 1, 4_000_000_000, 0xffff_ffff]), 24);
  header.writeUInt32LE(random.int(0, 0xffff_ffff), 28);
  header.writeUInt16LE(random.pick([2, 4, 0, 3, 65_535]), 32);
  header.writeUInt16LE(random.pick([16, 8, 24, 32, 64, 0, 7, 12]), 34);
  header.write(random.chance(0.9) ? 'data' : 'LIST', 36, 'ascii');
  header.writeUInt32LE(random.chance(0.5) ? body.length : random.pick([0, 1, 0xffff_ffff, body.length * 2 + 1]), 40);
  return Buffer.concat([header, body]);
}

/** Random bytes behind a magic number, so the bytes reach the parser of that format. */
function magicJunk(random: Random): Buffer {
  const magic = random.pick([
    Buffer.from('RIFF\0\0\0\0WAVE'),
    Buffer.from('OggS'),
    Buffer.concat([Buffer.from('OggS\0\x02'), Buffer.alloc(20), Buffer.from([1, 19]), Buffer.from('OpusHead')]),
    Buffer.from('ID3\x04\0\0\0\0\0\x10'),
    Buffer.from([0xff, 0xfb, 0x90, 0x64]),
    Buffer.from([0xff, 0xf3]),
    Buffer.from('fLaC'),
    Buffer.from('\x89PNG\r\n\x1a\n'),
  ]);
  return Buffer.concat([magic, random.bytes(random.int(0, 8_000))]);
}

/** A valid file with some bytes flipped, or cut short. */
function damagedValid(random: Random): Buffer {
  const copy = Buffer.from(random.pick(validSamples()));
  if (random.chance(0.4)) return copy.subarray(0, random.int(0, copy.length - 1));
  const flips = random.int(1, 12);
  for (let i = 0; i < flips; i++) {
    // Headers are where the parsers make decisions: flip there more often.
    const at = random.chance(0.6) ? random.int(0, Math.min(copy.length - 1, 120)) : random.int(0, copy.length - 1);
    copy[at] = random.int(0, 255);
  }
  return copy;
}

/** One file to serve: random kind, name, content type, declared size and download status. */
export function fuzzAttachment(random: Random, maxBytes: number): ServeAttachmentSpec {
  const data = random.weighted<() => Buffer>([
    [3, () => random.bytes(random.int(0, 20_000))],
    [3, () => magicJunk(random)],
    [3, () => absurdWav(random)],
    [4, () => damagedValid(random)],
    [2, () => Buffer.from(random.pick(validSamples()))],
    [1, () => random.pick(hostileSamples(maxBytes))],
    [1, () => Buffer.alloc(0)],
    // Over the limit for real (a declared size may still claim it is small).
    [1, () => Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVE'), Buffer.alloc(maxBytes + random.int(1, 50_000), random.int(0, 255))])],
  ])();
  const spec: ServeAttachmentSpec = {
    // Discord's CDN paths carry well-formed names only: lone surrogates stay in option and message texts.
    filename: (random.chance(0.2) ? oddFragment(random).replace(LONE_SURROGATE, '_') : 'clip') + random.pick(EXTENSIONS),
    data,
  };
  const contentType = random.pick(CONTENT_TYPES);
  if (contentType !== undefined) spec.contentType = contentType;
  if (random.chance(0.15)) spec.size = random.pick([0, 1, maxBytes, maxBytes + 1, 2 ** 31, Number.MAX_SAFE_INTEGER]);
  if (random.chance(0.07)) spec.status = random.pick([404, 403, 500, 410]);
  return spec;
}
