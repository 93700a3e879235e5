/**
 * The WAV "fmt " chunk: which sample encoding the data chunk holds.
 */
import { AudioFormatError } from './errors.ts';

/** Sample encodings Parley can convert. */
export type WavSampleEncoding = 'uint8' | 'int16' | 'int24' | 'int32' | 'float32' | 'float64';

/** A validated fmt chunk. */
export interface WavFmt {
  encoding: WavSampleEncoding;
  channels: number;
  sampleRate: number;
  /** As declared (e.g. 20 for 20-bit audio in 24-bit containers). */
  bitsPerSample: number;
  /** Bytes per interleaved frame (all channels). */
  blockAlign: number;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xff_fe;
/** Bytes 2-15 of every KSDATAFORMAT_SUBTYPE_* GUID (the first two hold the format code). */
const SUBFORMAT_GUID_TAIL = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]);
const MAX_CHANNELS = 32;

/**
 * Validates a fmt chunk body.
 * @throws AudioFormatError for a malformed chunk or a codec other than integer PCM / IEEE float.
 */
export function readWavFmt(body: Buffer): WavFmt {
  if (body.length < 16) throw new AudioFormatError('That WAV file is damaged.', `fmt chunk of ${body.length} bytes`);
  let formatCode = body.readUInt16LE(0);
  const channels = body.readUInt16LE(2);
  const sampleRate = body.readUInt32LE(4);
  const blockAlign = body.readUInt16LE(12);
  const bitsPerSample = body.readUInt16LE(14);
  if (formatCode === WAVE_FORMAT_EXTENSIBLE) {
    if (body.length < 40 || !body.subarray(26, 40).equals(SUBFORMAT_GUID_TAIL)) {
      throw unsupported('WAVE_FORMAT_EXTENSIBLE with an unknown sub-format');
    }
    formatCode = body.readUInt16LE(24);
  }
  if (channels < 1 || channels > MAX_CHANNELS || sampleRate < 1) {
    throw new AudioFormatError('That WAV file is damaged.', `channels=${channels} sampleRate=${sampleRate}`);
  }
  // The container size per sample comes from blockAlign; bitsPerSample may be smaller (valid bits).
  const containerBytes = blockAlign > 0 && blockAlign % channels === 0 ? blockAlign / channels : Math.ceil(bitsPerSample / 8);
  const encoding = encodingFor(formatCode, containerBytes);
  if (encoding === undefined) throw unsupported(`format 0x${formatCode.toString(16)} with ${containerBytes}-byte samples`);
  return { encoding, channels, sampleRate, bitsPerSample, blockAlign: containerBytes * channels };
}

function encodingFor(formatCode: number, containerBytes: number): WavSampleEncoding | undefined {
  if (formatCode === WAVE_FORMAT_PCM) {
    return ({ 1: 'uint8', 2: 'int16', 3: 'int24', 4: 'int32' } as const)[containerBytes as 1 | 2 | 3 | 4];
  }
  if (formatCode === WAVE_FORMAT_IEEE_FLOAT) {
    return ({ 4: 'float32', 8: 'float64' } as const)[containerBytes as 4 | 8];
  }
  return undefined;
}

function unsupported(detail: string): AudioFormatError {
  return new AudioFormatError('That WAV encoding is not supported; please send 16-bit PCM.', detail);
}
