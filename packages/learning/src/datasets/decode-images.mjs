// Child process of image-folder.ts (plain JavaScript, so it runs without a TypeScript loader): decodes PNG/JPEG
// files with sharp — the decoder @concord/activations uses — into one raw uint8 file, so the synchronous dataset
// loader can use sharp's asynchronous API. Input: argv[2] = a JSON file {files, out, size?: [h, w], channels?: 1|3}.
// Output on stdout: {"ok": {height, width, channels}} or {"error": {file, message}}; pixels H×W×C per image in `out`.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import sharp from 'sharp';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const fail = (file, message) => {
  process.stdout.write(JSON.stringify({ error: { file, message } }));
  process.exit(0);
};

async function main() {
  let channels = job.channels;
  if (channels === undefined) {
    // Automatic: grey when every image is single-channel (grey, or grey + alpha), else RGB.
    channels = 1;
    for (const file of job.files) {
      let meta;
      try {
        meta = await sharp(file).metadata();
      } catch (e) {
        fail(file, e.message);
      }
      if (meta.space !== 'b-w') {
        channels = 3;
        break;
      }
    }
  }
  const fd = openSync(job.out, 'w');
  let height;
  let width;
  try {
    for (const file of job.files) {
      let img = sharp(file, { failOn: 'error' });
      img = channels === 1 ? img.greyscale() : img.removeAlpha().toColourspace('srgb');
      if (job.size) img = img.resize(job.size[1], job.size[0], { fit: 'fill', kernel: 'linear' });
      let raw;
      try {
        raw = await img.raw().toBuffer({ resolveWithObject: true });
      } catch (e) {
        fail(file, `cannot decode the image (expected PNG or JPEG): ${e.message}`);
      }
      const info = raw.info;
      if (height === undefined) {
        height = info.height;
        width = info.width;
      } else if (info.height !== height || info.width !== width)
        fail(
          file,
          `image is ${info.width}×${info.height} but the first image is ${width}×${height}; give a size to resize every image`,
        );
      if (info.channels !== channels) fail(file, `decoded ${info.channels} channels, expected ${channels}`);
      writeSync(fd, raw.data);
    }
  } finally {
    closeSync(fd);
  }
  process.stdout.write(JSON.stringify({ ok: { height, width, channels } }));
}

main().catch((e) => fail('', e.message));
