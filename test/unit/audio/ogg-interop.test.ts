import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import prism from 'prism-media';
import { describe, expect, it } from 'vitest';
import { encodeOggOpus } from '../../../src/audio/ogg-opus.ts';
import { readOggPackets } from '../../../src/audio/ogg.ts';
import { speechLike } from '../../support/signals.ts';

describe('encodeOggOpus output in an independent demuxer', () => {
  it('demuxes with prism-media (the Ogg reader @discordjs/voice uses) to the same Opus packets', async () => {
    const file = encodeOggOpus(speechLike(2_000, 24_000, 41), 24_000, 1, { serial: 5 });
    const demuxer = new prism.opus.OggDemuxer();
    const packets: Buffer[] = [];
    let head: Buffer | undefined;
    let tags: Buffer | undefined;
    demuxer.on('head', (segment: Buffer) => (head = segment));
    demuxer.on('tags', (segment: Buffer) => (tags = segment));
    demuxer.on('data', (packet: Buffer) => packets.push(packet));
    // Odd chunk boundaries exercise its page reassembly.
    Readable.from([file.subarray(0, 1_001), file.subarray(1_001, 5_003), file.subarray(5_003)]).pipe(demuxer);
    await finished(demuxer);

    const ours = readOggPackets(file).packets;
    expect(head?.equals(ours[0]!)).toBe(true);
    expect(tags?.equals(ours[1]!)).toBe(true);
    expect(packets.length).toBe(ours.length - 2);
    packets.forEach((packet, i) => expect(packet.equals(ours[i + 2]!)).toBe(true));
  });
});
