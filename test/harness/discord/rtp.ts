import { createCipheriv, createDecipheriv } from 'node:crypto';

/** The only encryption mode the fake offers (listed first by real Discord; needs nothing but node:crypto). */
export const ENCRYPTION_MODE = 'aead_aes256_gcm_rtpsize';
/** Discord's dynamic RTP payload type for Opus. */
export const OPUS_PAYLOAD_TYPE = 120;
/** Opus frame of 20 ms silence that Discord clients send after speech (and players after a track). */
export const OPUS_SILENCE_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);
/** 20 ms at 48 kHz: RTP timestamps advance by this per frame. */
export const SAMPLES_PER_FRAME_48K = 960;

const RTP_VERSION_2 = 0x80;
const RTP_FIXED_HEADER_BYTES = 12;
const RTP_EXTENSION_HEADER_BYTES = 4;
const AES_GCM_TAG_BYTES = 16;
/** The rtpsize modes append the 32-bit nonce counter to the packet; the 12-byte IV is it plus zeros. */
const NONCE_SUFFIX_BYTES = 4;
const AES_GCM_IV_BYTES = 12;
/** One-byte-header RTP extension profile (RFC 8285), what Discord clients put in their packets. */
const ONE_BYTE_EXTENSION_PROFILE = 0xbede;

/** An RTP packet in the clear. */
export interface RtpFrame {
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** Header extension body (a multiple of 4 bytes), encrypted together with the payload. */
  extension?: Buffer;
  payload: Buffer;
}

function ivFor(counter: number): Buffer {
  const iv = Buffer.alloc(AES_GCM_IV_BYTES);
  iv.writeUInt32BE(counter >>> 0, 0);
  return iv;
}

/**
 * Builds `header | AES-256-GCM(extension body + payload) | tag | counter` as aead_aes256_gcm_rtpsize does:
 * the AAD is the 12-byte header plus, when there is an extension, its 4-byte `BE DE len` header.
 */
export function encryptRtp(frame: RtpFrame, secretKey: Buffer, counter: number): Buffer {
  const extension = frame.extension ?? Buffer.alloc(0);
  if (extension.length % 4 !== 0) throw new Error('RTP extension body must be a multiple of 4 bytes');
  const header = Buffer.alloc(RTP_FIXED_HEADER_BYTES + (extension.length > 0 ? RTP_EXTENSION_HEADER_BYTES : 0));
  header[0] = RTP_VERSION_2 | (extension.length > 0 ? 0x10 : 0);
  header[1] = OPUS_PAYLOAD_TYPE;
  header.writeUInt16BE(frame.sequence & 0xffff, 2);
  header.writeUInt32BE(frame.timestamp >>> 0, 4);
  header.writeUInt32BE(frame.ssrc >>> 0, 8);
  if (extension.length > 0) {
    header.writeUInt16BE(ONE_BYTE_EXTENSION_PROFILE, 12);
    header.writeUInt16BE(extension.length / 4, 14);
  }
  const cipher = createCipheriv('aes-256-gcm', secretKey, ivFor(counter));
  cipher.setAAD(header);
  const encrypted = Buffer.concat([cipher.update(Buffer.concat([extension, frame.payload])), cipher.final()]);
  const suffix = Buffer.alloc(NONCE_SUFFIX_BYTES);
  suffix.writeUInt32BE(counter >>> 0, 0);
  return Buffer.concat([header, encrypted, cipher.getAuthTag(), suffix]);
}

/** True for a packet that looks like RTP (version 2, not an IP-discovery or keep-alive datagram). */
export function isRtpPacket(packet: Buffer): boolean {
  return packet.length > RTP_FIXED_HEADER_BYTES + AES_GCM_TAG_BYTES + NONCE_SUFFIX_BYTES && packet[0]! >> 6 === 2;
}

/** The SSRC of an RTP packet. */
export function rtpSsrc(packet: Buffer): number {
  return packet.readUInt32BE(8);
}

/** Decrypts an aead_aes256_gcm_rtpsize packet; `null` when authentication fails or it is malformed. */
export function decryptRtp(packet: Buffer, secretKey: Buffer): RtpFrame | null {
  if (!isRtpPacket(packet)) return null;
  const csrcCount = packet[0]! & 0x0f;
  const hasExtension = (packet[0]! & 0x10) !== 0;
  const hasPadding = (packet[0]! & 0x20) !== 0;
  const headerBytes = RTP_FIXED_HEADER_BYTES + csrcCount * 4 + (hasExtension ? RTP_EXTENSION_HEADER_BYTES : 0);
  const trailerStart = packet.length - NONCE_SUFFIX_BYTES;
  const tagStart = trailerStart - AES_GCM_TAG_BYTES;
  if (tagStart < headerBytes) return null;
  const counter = packet.readUInt32BE(trailerStart);
  try {
    const decipher = createDecipheriv('aes-256-gcm', secretKey, ivFor(counter));
    decipher.setAAD(packet.subarray(0, headerBytes));
    decipher.setAuthTag(packet.subarray(tagStart, trailerStart));
    let clear = Buffer.concat([decipher.update(packet.subarray(headerBytes, tagStart)), decipher.final()]);
    if (hasPadding && clear.length > 0) clear = clear.subarray(0, clear.length - clear[clear.length - 1]!);
    const extensionBytes = hasExtension ? packet.readUInt16BE(headerBytes - 2) * 4 : 0;
    const frame: RtpFrame = {
      sequence: packet.readUInt16BE(2),
      timestamp: packet.readUInt32BE(4),
      ssrc: packet.readUInt32BE(8),
      payload: clear.subarray(extensionBytes),
    };
    if (extensionBytes > 0) frame.extension = clear.subarray(0, extensionBytes);
    return frame;
  } catch {
    return null;
  }
}
