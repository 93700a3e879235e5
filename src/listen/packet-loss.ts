/**
 * What a receive path needs to keep lost packets in their place: RTP sequence gaps (a lost packet
 * leaves one; a speaker's pause does not, clients keep the sequence running) and frames that arrive
 * still DAVE-encrypted (the library passes them through while its session is not ready).
 */

/** A gap longer than this is a reset of the sender's stream (rejoin, new ssrc), not loss to conceal. */
export const MAX_CONCEALED_FRAMES = 50;

/** DAVE frame trailer: `... | supplemental size (u8) | 0xFA 0xFA` (DAVE protocol v1.1, "Protocol Frame Check"). */
const DAVE_MAGIC = 0xfafa;
/** 8-byte tag + 1-byte nonce at least + size byte + 2-byte marker. */
const DAVE_MIN_SUPPLEMENTAL_BYTES = 12;

/** True for a frame that still carries the DAVE trailer: it is ciphertext, not opus. */
export function isDaveCiphertext(packet: Buffer): boolean {
  if (packet.length < DAVE_MIN_SUPPLEMENTAL_BYTES + 1) return false;
  if (packet.readUInt16BE(packet.length - 2) !== DAVE_MAGIC) return false;
  const supplemental = packet[packet.length - 3]!;
  return supplemental >= DAVE_MIN_SUPPLEMENTAL_BYTES && supplemental < packet.length;
}

/** Counts the packets missing before each received one, from 16-bit RTP sequence numbers. */
export class SequenceGaps {
  private last: number | undefined;

  /** Packets lost between the previous packet and this one (0 when in order, late or unknown). */
  missingBefore(sequence: number | undefined): number {
    if (sequence === undefined) return 0;
    const previous = this.last;
    if (previous === undefined) {
      this.last = sequence;
      return 0;
    }
    const ahead = (sequence - previous) & 0xffff;
    // Behind (late or duplicate, within half the sequence space): already concealed, keep the newest.
    if (ahead === 0 || ahead >= 0x8000) return 0;
    this.last = sequence;
    const missing = ahead - 1;
    return missing <= MAX_CONCEALED_FRAMES ? missing : 0;
  }
}
