#!/usr/bin/env node
// Draws the app icon (a rounded square with a "k-attempts" bar motif) in pure Node and writes the icon set
// electron-builder needs: resources/icons/icon.png (512), 256x256.png ... 16x16.png (Linux), icon.ico
// (Windows, PNG-in-ICO) and icon.icns (macOS, PNG entries). Deterministic; rerun after changing the drawing.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.join(root, 'resources/icons');

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** RGBA pixels of the icon at size s. */
function draw(s) {
  const px = Buffer.alloc(s * s * 4);
  const r = s * 0.18; // corner radius
  const bars = [0.35, 0.55, 0.75, 0.9]; // accuracy rising with attempts
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const i = (y * s + x) * 4;
      const cx = Math.min(Math.max(x + 0.5, r), s - r);
      const cy = Math.min(Math.max(y + 0.5, r), s - r);
      const inside = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r;
      if (!inside) continue;
      const t = y / s;
      let [R, G, B] = [Math.round(30 + 20 * t), Math.round(64 + 40 * t), Math.round(175 - 30 * t)];
      const u = x / s;
      const v = 1 - y / s;
      for (let b = 0; b < bars.length; b++) {
        const x0 = 0.17 + b * 0.175;
        if (u >= x0 && u < x0 + 0.12 && v >= 0.14 && v < 0.14 + bars[b] * 0.72) [R, G, B] = b === bars.length - 1 ? [255, 196, 61] : [236, 242, 255];
      }
      px[i] = R;
      px[i + 1] = G;
      px[i + 2] = B;
      px[i + 3] = 255;
    }
  }
  return px;
}

export function png(s) {
  const px = draw(s);
  const raw = Buffer.alloc((s * 4 + 1) * s);
  for (let y = 0; y < s; y++) px.copy(raw, y * (s * 4 + 1) + 1, y * s * 4, (y + 1) * s * 4);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(s, 0);
  ihdr.writeUInt32BE(s, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function ico(sizes) {
  const images = sizes.map((s) => png(s));
  const head = Buffer.alloc(6 + 16 * sizes.length);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2);
  head.writeUInt16LE(sizes.length, 4);
  let offset = head.length;
  sizes.forEach((s, k) => {
    const e = 6 + 16 * k;
    head[e] = s >= 256 ? 0 : s;
    head[e + 1] = s >= 256 ? 0 : s;
    head.writeUInt16LE(1, e + 4); // planes
    head.writeUInt16LE(32, e + 6); // bits per pixel
    head.writeUInt32LE(images[k].length, e + 8);
    head.writeUInt32LE(offset, e + 12);
    offset += images[k].length;
  });
  return Buffer.concat([head, ...images]);
}

function icns(entries) {
  const parts = entries.map(([type, s]) => {
    const data = png(s);
    const h = Buffer.alloc(8);
    h.write(type, 0, 'ascii');
    h.writeUInt32BE(data.length + 8, 4);
    return Buffer.concat([h, data]);
  });
  const body = Buffer.concat(parts);
  const h = Buffer.alloc(8);
  h.write('icns', 0, 'ascii');
  h.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([h, body]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'icon.png'), png(512));
  for (const s of [16, 32, 48, 64, 128, 256, 512]) writeFileSync(path.join(out, `${s}x${s}.png`), png(s));
  writeFileSync(path.join(out, 'icon.ico'), ico([16, 32, 48, 256]));
  writeFileSync(path.join(out, 'icon.icns'), icns([['icp4', 16], ['icp5', 32], ['ic07', 128], ['ic08', 256], ['ic09', 512]]));
  process.stdout.write(`icons written to ${out}\n`);
}
