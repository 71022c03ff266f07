/** Child process of read-nifti.bench.ts: reads one image one way and prints {seconds, peakMiB} (sampled RSS). */
import { iterateNiftiVolumes, readNifti } from './read-nifti.ts';

const [path, mode] = process.argv.slice(2);
// sampled peak RSS: ru_maxrss would include the parent's high-water mark inherited through fork
let peak = process.memoryUsage().rss;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
const timer = setInterval(sample, 10);
const t0 = performance.now();
let checksum = 0;
if (mode === 'whole') {
  const img = await readNifti(path);
  const d = img.getData();
  for (let i = 0; i < d.length; i += 4099) checksum += d[i];
} else {
  for await (const { data } of iterateNiftiVolumes(path, { dtype: 'float32' })) {
    checksum += data[0];
    sample();
  }
}
sample();
clearInterval(timer);
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ seconds, peakMiB: peak / 2 ** 20, checksum }));
