import { describe, expect, it } from 'vitest';
import { AudioFormatError } from '../../../src/audio/errors.ts';
import { OGG_NO_GRANULE, oggCrc32, readOggPackets, writeOggPages, type OggPacketToWrite } from '../../../src/audio/ogg.ts';
import { seededRandom } from '../../support/signals.ts';

function bytes(length: number, seed: number): Buffer {
  const random = seededRandom(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
}

interface PageInfo {
  offset: number;
  flags: number;
  granule: number;
  serial: number;
  sequence: number;
  segments: number;
  length: number;
}

function pages(buf: Buffer): PageInfo[] {
  const out: PageInfo[] = [];
  for (let offset = 0; offset < buf.length; ) {
    const segments = buf[offset + 26]!;
    let body = 0;
    for (let i = 0; i < segments; i++) body += buf[offset + 27 + i]!;
    const length = 27 + segments + body;
    out.push({
      offset,
      flags: buf[offset + 5]!,
      granule: Number(buf.readBigInt64LE(offset + 6)),
      serial: buf.readUInt32LE(offset + 14),
      sequence: buf.readUInt32LE(offset + 18),
      segments,
      length,
    });
    offset += length;
  }
  return out;
}

const sizes = [0, 1, 254, 255, 256, 510, 1_000, 70_000, 3, 65_025, 12];
const packets: OggPacketToWrite[] = sizes.map((size, i) => ({ data: bytes(size, i + 1), granule: (i + 1) * 960 }));

describe('oggCrc32', () => {
  it('is CRC-32 with polynomial 0x04C11DB7, init 0, no reflection, no final xor', () => {
    expect(oggCrc32(Buffer.from('123456789', 'latin1'))).toBe(0x89_a1_89_7f);
  });
});

describe('writeOggPages / readOggPackets', () => {
  it('round-trips packets of awkward sizes (0, 255 multiples, > one page)', () => {
    const file = writeOggPages(packets, { serial: 0x1234_5678 });
    const read = readOggPackets(file);
    expect(read.serial).toBe(0x1234_5678);
    expect(read.packets.map((p) => p.length)).toEqual(sizes);
    read.packets.forEach((p, i) => expect(p.equals(packets[i]!.data)).toBe(true));
    expect(read.eos).toBe(true);
    expect(read.truncated).toBe(false);
    expect(read.lastGranule).toBe(sizes.length * 960);
  });

  it('writes valid page structure: BOS first, EOS last, continuation flags, sequence numbers, <= 255 segments', () => {
    const file = writeOggPages(packets, { serial: 7 });
    const info = pages(file);
    expect(info.length).toBeGreaterThan(2);
    expect(info[0]!.flags & 0x02).toBe(0x02);
    expect(info.at(-1)!.flags & 0x04).toBe(0x04);
    info.forEach((page, i) => {
      expect(page.sequence).toBe(i);
      expect(page.serial).toBe(7);
      expect(page.segments).toBeLessThanOrEqual(255);
    });
    // The 70_000-byte packet cannot fit one page, so some page continues a packet.
    expect(info.some((page) => page.flags & 0x01)).toBe(true);
  });

  it('marks a page on which no packet ends with granule -1', () => {
    const huge = bytes(200_000, 99);
    const file = writeOggPages([{ data: huge, granule: 4_800 }], { serial: 3 });
    const info = pages(file);
    expect(info.length).toBe(4);
    expect(info.map((p) => p.granule)).toEqual([OGG_NO_GRANULE, OGG_NO_GRANULE, OGG_NO_GRANULE, 4_800]);
    expect(info.map((p) => p.flags)).toEqual([0x02, 0x01, 0x01, 0x05]);
    const read = readOggPackets(file);
    expect(read.packets.length).toBe(1);
    expect(read.packets[0]!.equals(huge)).toBe(true);
    expect(read.granules).toEqual([4_800]);
  });

  it('reports the page granule on the last packet completed on each page', () => {
    const small: OggPacketToWrite[] = [
      { data: bytes(10, 1), granule: 0, flushPageAfter: true },
      { data: bytes(10, 2), granule: 100 },
      { data: bytes(10, 3), granule: 200, flushPageAfter: true },
      { data: bytes(10, 4), granule: 300 },
    ];
    const file = writeOggPages(small, { serial: 1 });
    expect(pages(file).map((p) => p.granule)).toEqual([0, 200, 300]);
    expect(readOggPackets(file).granules).toEqual([0, OGG_NO_GRANULE, 200, 300]);
  });

  it('reads only the first logical stream of a multiplexed file', () => {
    const a = pages(writeOggPages(packets.slice(0, 4), { serial: 1, targetPageBytes: 1 }));
    const fileA = writeOggPages(packets.slice(0, 4), { serial: 1, targetPageBytes: 1 });
    const fileB = writeOggPages(packets.slice(4, 8), { serial: 2, targetPageBytes: 1 });
    const b = pages(fileB);
    const interleaved: Buffer[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i]) interleaved.push(fileA.subarray(a[i]!.offset, a[i]!.offset + a[i]!.length));
      if (b[i]) interleaved.push(fileB.subarray(b[i]!.offset, b[i]!.offset + b[i]!.length));
    }
    const read = readOggPackets(Buffer.concat(interleaved));
    expect(read.serial).toBe(1);
    expect(read.packets.map((p) => p.length)).toEqual(sizes.slice(0, 4));
  });
});

describe('readOggPackets on damaged input', () => {
  const file = writeOggPages(packets, { serial: 9 });

  it('throws AudioFormatError on a CRC mismatch anywhere', () => {
    for (const position of [5, 30, Math.floor(file.length / 2), file.length - 1]) {
      const damaged = Buffer.from(file);
      damaged[position] = damaged[position]! ^ 0x40;
      expect(() => readOggPackets(damaged), `flip at ${position}`).toThrow(AudioFormatError);
    }
  });

  it('throws AudioFormatError on a bad capture pattern or no complete page', () => {
    expect(() => readOggPackets(Buffer.from('OggX' + 'x'.repeat(40)))).toThrow(AudioFormatError);
    expect(() => readOggPackets(Buffer.concat([Buffer.from('junk'), file]))).toThrow(AudioFormatError);
    expect(() => readOggPackets(file.subarray(0, 20))).toThrow(AudioFormatError);
    expect(() => readOggPackets(file.subarray(0, pages(file)[0]!.length - 1))).toThrow(AudioFormatError);
  });

  it('tolerates a truncated last page by dropping the packet it would complete', () => {
    const info = pages(file);
    const lastPage = info.at(-1)!;
    const cut = file.subarray(0, lastPage.offset + 40);
    const read = readOggPackets(cut);
    expect(read.truncated).toBe(true);
    expect(read.eos).toBe(false);
    const complete = readOggPackets(file).packets;
    expect(read.packets.length).toBeLessThan(complete.length);
    read.packets.forEach((p, i) => expect(p.equals(complete[i]!)).toBe(true));
  });

  it('drops a packet whose continuation page is missing', () => {
    const info = pages(file);
    const continued = info.findIndex((page) => page.flags & 0x01);
    const withoutPage = Buffer.concat([file.subarray(0, info[continued]!.offset), file.subarray(info[continued]!.offset + info[continued]!.length)]);
    const read = readOggPackets(withoutPage);
    for (const packet of read.packets) {
      expect(packets.some((p) => p.data.length === packet.length && Buffer.from(p.data).equals(packet))).toBe(true);
    }
    expect(read.packets.length).toBeLessThan(packets.length);
  });
});
