/**
 * The bot's side of Discord's aead_aes256_gcm_rtpsize, as @discordjs/voice 0.19 does it per packet
 * (Networking.createAudioPacket and VoiceReceiver.parsePacket), for timing the audio paths alone.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

const RTP_HEADER_BYTES = 12;
const OPUS_PAYLOAD_TYPE = 120;
const AUTH_TAG_BYTES = 16;
const NONCE_SUFFIX_BYTES = 4;
const SAMPLES_PER_FRAME_48K = 960;
/** The one-byte RTP header extension profile clients use (BE DE). */
const EXTENSION_PROFILE = Buffer.from([0xbe, 0xde]);

/** Per-connection sending state, like the library's connectionData. */
export interface RtpSender {
  secretKey: Buffer;
  ssrc: number;
  sequence: number;
  timestamp: number;
  nonce: number;
  nonceBuffer: Buffer;
}

export function createRtpSender(secretKey: Buffer, ssrc: number): RtpSender {
  return { secretKey, ssrc, sequence: 0, timestamp: 0, nonce: 0, nonceBuffer: Buffer.alloc(12) };
}

/** Header, AES-256-GCM(opus) with the header as AAD, tag, then the 4-byte nonce counter. */
export function encryptOpusForRtp(sender: RtpSender, opus: Buffer): Buffer {
  const header = Buffer.alloc(RTP_HEADER_BYTES);
  header[0] = 0x80;
  header[1] = OPUS_PAYLOAD_TYPE;
  header.writeUIntBE(sender.sequence, 2, 2);
  header.writeUIntBE(sender.timestamp, 4, 4);
  header.writeUIntBE(sender.ssrc, 8, 4);
  sender.nonce = (sender.nonce + 1) >>> 0;
  sender.nonceBuffer.writeUInt32BE(sender.nonce, 0);
  const cipher = createCipheriv('aes-256-gcm', sender.secretKey, sender.nonceBuffer);
  cipher.setAAD(header);
  const encrypted = Buffer.concat([cipher.update(opus), cipher.final(), cipher.getAuthTag()]);
  sender.sequence = (sender.sequence + 1) & 0xffff;
  sender.timestamp = (sender.timestamp + SAMPLES_PER_FRAME_48K) >>> 0;
  return Buffer.concat([header, encrypted, sender.nonceBuffer.subarray(0, NONCE_SUFFIX_BYTES)]);
}

/** Decrypts a member's packet and strips its header extension, as the library's receiver does. */
export function decryptRtpToOpus(packet: Buffer, secretKey: Buffer, nonceBuffer: Buffer = Buffer.alloc(12)): Buffer {
  packet.copy(nonceBuffer, 0, packet.length - NONCE_SUFFIX_BYTES);
  const hasExtension = ((packet[0]! >> 4) & 1) === 1;
  const headerBytes = RTP_HEADER_BYTES + (hasExtension ? 4 : 0);
  const decipher = createDecipheriv('aes-256-gcm', secretKey, nonceBuffer);
  decipher.setAAD(packet.subarray(0, headerBytes));
  decipher.setAuthTag(packet.subarray(packet.length - AUTH_TAG_BYTES - NONCE_SUFFIX_BYTES, packet.length - NONCE_SUFFIX_BYTES));
  const clear = Buffer.concat([decipher.update(packet.subarray(headerBytes, packet.length - AUTH_TAG_BYTES - NONCE_SUFFIX_BYTES)), decipher.final()]);
  if (packet.subarray(12, 14).equals(EXTENSION_PROFILE)) return clear.subarray(4 * packet.readUInt16BE(14));
  return clear;
}
