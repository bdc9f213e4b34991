// The engine benchmark's sharp/libvips comparison: decode the image once to raw pixels, then cut
// and encode a job's tiles in parallel (Promise.all; libvips uses its own thread pool), each
// written to OUTDIR under the name patchq gives it.
// Usage: node engine_sharp.js IMAGE TILES.json OUTDIR default|level1
//   default: sharp's PNG defaults (zlib level 6, no adaptive filtering); level1: compressionLevel 1.
'use strict';
const fs = require('fs');
const path = require('path');
const sharp = require('sharp');

async function main() {
  const [imagePath, tilesPath, outDir, mode] = process.argv.slice(2);
  const tiles = JSON.parse(fs.readFileSync(tilesPath, 'utf8'));
  sharp.cache(false);
  const { data, info } = await sharp(fs.readFileSync(imagePath), { limitInputPixels: false })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  const png = mode === 'level1' ? { compressionLevel: 1 } : {};
  const sizes = await Promise.all(tiles.map(async (t) => {
    const encoded = await sharp(data, { raw, limitInputPixels: false })
      .extract({ left: t.x, top: t.y, width: t.w, height: t.h })
      .png(png)
      .toBuffer();
    await fs.promises.writeFile(path.join(outDir, t.name), encoded);
    return encoded.length;
  }));
  console.log(JSON.stringify({ tiles: tiles.length, bytes: sizes.reduce((a, b) => a + b, 0) }));
}

main().catch((e) => {
  console.error('engine_sharp.js: ' + e.message);
  process.exit(1);
});
