/**
 * Writes the app's icons: client/public/icons/icon.svg and the PNGs install prompts need (192 and
 * 512 px). One drawing: three white nodes linked in a triangle on the accent blue, edge to edge
 * so the same picture works as a maskable icon (the nodes sit inside the central safe circle).
 * Run with `npx tsx scripts/make-icons.ts`; the output is committed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

const OUT = join(import.meta.dirname, '..', 'client', 'public', 'icons');
const BACKGROUND = [0x1f, 0x57, 0xc3] as const;
/** Node centres, in a unit square. */
const NODES = [
  [0.5, 0.32],
  [0.31, 0.65],
  [0.69, 0.65],
] as const;
const NODE_RADIUS = 0.095;
const LINK_WIDTH = 0.045;
/** Samples per pixel side, for smooth edges. */
const SUPERSAMPLE = 4;

function distanceToSegment(px: number, py: number, a: readonly number[], b: readonly number[]): number {
  const [ax, ay] = a as [number, number];
  const [bx, by] = b as [number, number];
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Whether a point of the unit square is white (a node or a link). */
function inGlyph(x: number, y: number): boolean {
  if (NODES.some(([cx, cy]) => Math.hypot(x - cx, y - cy) <= NODE_RADIUS)) return true;
  for (let i = 0; i < NODES.length; i++) {
    if (distanceToSegment(x, y, NODES[i]!, NODES[(i + 1) % NODES.length]!) <= LINK_WIDTH / 2) return true;
  }
  return false;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

function png(size: number): Buffer {
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    rows[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      let white = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++)
        for (let sx = 0; sx < SUPERSAMPLE; sx++)
          if (inGlyph((x + (sx + 0.5) / SUPERSAMPLE) / size, (y + (sy + 0.5) / SUPERSAMPLE) / size)) white++;
      const a = white / (SUPERSAMPLE * SUPERSAMPLE);
      const at = row + 1 + x * 4;
      for (let c = 0; c < 3; c++) rows[at + c] = Math.round(BACKGROUND[c]! * (1 - a) + 255 * a);
      rows[at + 3] = 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function svg(): string {
  const s = (v: number) => +(v * 512).toFixed(1);
  const hex = `#${BACKGROUND.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  const links = NODES.map((a, i) => {
    const b = NODES[(i + 1) % NODES.length]!;
    return `<line x1="${s(a[0])}" y1="${s(a[1])}" x2="${s(b[0])}" y2="${s(b[1])}"/>`;
  }).join('');
  const nodes = NODES.map(([x, y]) => `<circle cx="${s(x)}" cy="${s(y)}" r="${s(NODE_RADIUS)}"/>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" rx="96" fill="${hex}"/><g stroke="#fff" stroke-width="${s(LINK_WIDTH)}">${links}</g><g fill="#fff">${nodes}</g></svg>\n`;
}

for (const size of [192, 512]) writeFileSync(join(OUT, `icon-${size}.png`), png(size));
writeFileSync(join(OUT, 'icon.svg'), svg());
