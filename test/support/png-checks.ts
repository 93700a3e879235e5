/**
 * Checks of a rendered chart by decoding it (pngjs): its size, and how many pixels of a colour the plot
 * holds, so a test knows bars were drawn rather than an empty frame.
 */
import { PNG } from 'pngjs';

export interface DecodedPng {
  width: number;
  height: number;
  /** Pixels within `tolerance` of the RGB colour `hex` ("#3b82f6"). */
  count(hex: string, tolerance?: number): number;
  /** Pixels that are not (near) white. */
  inked: number;
}

export function decodePng(data: Buffer): DecodedPng {
  const png = PNG.sync.read(data);
  const pixels = png.data;
  const count = (hex: string, tolerance = 12): number => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
    let n = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (Math.abs(pixels[i]! - r) <= tolerance && Math.abs(pixels[i + 1]! - g) <= tolerance && Math.abs(pixels[i + 2]! - b) <= tolerance) n++;
    }
    return n;
  };
  let inked = 0;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 235 || pixels[i + 1]! < 235 || pixels[i + 2]! < 235) inked++;
  return { width: png.width, height: png.height, count, inked };
}
