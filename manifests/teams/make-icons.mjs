// Draws Keycard's two Teams icons (a keycard on the accent colour; a white outline for the app bar)
// as PNGs with node:zlib only. Run: node manifests/teams/make-icons.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** RGBA pixels from `paint(x, y)` to a PNG file (8-bit RGBA, no interlace, filter 0 on every row). */
function png(size, paint) {
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y += 1) {
    rows[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x += 1) {
      const [r, g, b, a] = paint(x + 0.5, y + 0.5);
      rows.set([r, g, b, a], y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Inside a rounded rectangle (x0,y0)-(x1,y1) with corner radius r. */
function inRounded(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

const ACCENT = [0x1f, 0x5f, 0xc8, 255];
const WHITE = [255, 255, 255, 255];
const CLEAR = [0, 0, 0, 0];

// 192x192: the whole tile in the accent colour and a plain white card (simple shapes stay legible small),
// with an accent stripe (the magnetic strip) and a keyhole dot.
const color = png(192, (x, y) => {
  const card = inRounded(x, y, 36, 56, 156, 136, 12);
  if (!card) return ACCENT;
  if (y >= 72 && y <= 86) return ACCENT;
  if ((x - 60) ** 2 + (y - 112) ** 2 <= 8 * 8) return ACCENT;
  return WHITE;
});

// 32x32 outline: white on transparent only, as Teams requires.
const outline = png(32, (x, y) => {
  const outer = inRounded(x, y, 3, 8, 29, 24, 3);
  const inner = inRounded(x, y, 5, 10, 27, 22, 1.5);
  if (outer && !inner) return WHITE;
  if (y >= 12.5 && y <= 14.5 && x >= 5 && x <= 27) return WHITE;
  if ((x - 10) ** 2 + (y - 18.5) ** 2 <= 2.2 * 2.2) return WHITE;
  return CLEAR;
});

writeFileSync(join(here, 'color.png'), color);
writeFileSync(join(here, 'outline.png'), outline);
console.log(`wrote color.png (${color.length} bytes) and outline.png (${outline.length} bytes)`);
