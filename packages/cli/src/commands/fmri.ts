/** `concord fmri info FILE [--voxel i,j,k[,t]]...`: what a NIfTI image holds, optionally with scaled voxel values. */
import { resolve } from 'node:path';
import { readNifti } from '@concord/fmri';
import { type Command, UsageError } from '../command.ts';

function parseVoxel(spec: string, shape: number[]): number[] {
  const parts = spec.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length < 3 || parts.length > 4 || parts.some((p) => !/^\d+$/.test(p))) {
    throw new UsageError(`--voxel: expected i,j,k or i,j,k,t (non-negative integers), received '${spec}'`);
  }
  const full = [...shape, 1, 1, 1].slice(0, Math.max(3, shape.length));
  const nVol = shape.slice(3).reduce((a, b) => a * b, 1);
  for (let d = 0; d < 3; d++) {
    if (nums[d] >= full[d])
      throw new UsageError(
        `--voxel ${spec}: index ${nums[d]} on axis ${d} is outside the image shape [${shape.join(', ')}]`,
      );
  }
  if (nums.length === 4 && nums[3] >= nVol)
    throw new UsageError(`--voxel ${spec}: volume ${nums[3]} is outside [0, ${nVol})`);
  return nums;
}

const fmriInfo: Command = {
  name: 'fmri info',
  summary: 'format, shape, datatype, scaling, affine and zooms of a NIfTI image (.nii, .nii.gz, .hdr/.img)',
  positionals: [{ name: 'FILE', description: 'the image (.nii, .nii.gz, .hdr[.gz] of a pair)' }],
  options: {
    voxel: {
      type: 'string',
      multiple: true,
      value: 'i,j,k[,t]',
      description: 'also print the scaled value of this voxel (0-based; t defaults to 0; repeatable)',
    },
  },
  details: [
    'affine is the one nibabel reports (sform if sform_code ≠ 0, else qform if qform_code ≠ 0, else from pixdim).',
    'sclSlope/sclInter are as stored; "scaling" is what is applied (slope 0 or NaN means no scaling, as in nibabel).',
    't indexes volumes (dims 4..7 flattened, dim 4 fastest). A .hdr without its .img prints the header; --voxel then fails naming the missing .img.',
  ].join('\n'),
  async run(opts, positionals, ctx) {
    const path = resolve(ctx.cwd, positionals[0]);
    const img = await readNifti(path, { onProgress: ctx.progress('read') });
    const specs = (opts.voxel as string[] | undefined) ?? [];
    const voxels = specs.map((spec) => {
      const index = parseVoxel(spec, img.shape);
      const full = index.length === 3 && img.ndim > 3 ? [...index, 0] : index;
      const v = img.getVoxel(full.length === 4 ? volumeIndex(full, img.shape) : full);
      return { index, value: v };
    });
    const result = {
      format: img.format,
      shape: img.shape,
      datatype: img.datatype,
      sclSlope: img.sclSlope,
      sclInter: img.sclInter,
      affine: img.affine,
      zooms: img.zooms,
      voxels,
      scaling: img.scaling,
      endianness: img.littleEndian ? 'little' : 'big',
      qformCode: img.qformCode,
      sformCode: img.sformCode,
      axcodes: img.axcodes,
      units: img.units,
      tr: img.tr ?? null,
      nVolumes: img.nVolumes,
      hasData: img.hasData,
      extensions: img.extensions.map((e) => ({ code: e.code, size: e.size })),
      descrip: img.header.fields.descrip,
      warnings: img.header.warnings,
    };
    ctx.output(result, (r: typeof result) =>
      [
        `${path}: ${r.format} ${r.endianness}-endian ${r.datatype}, shape [${r.shape.join(', ')}], zooms [${r.zooms.join(', ')}] (${r.units.space}, ${r.units.time})`,
        `scaling: stored slope ${r.sclSlope} inter ${r.sclInter}; applied ${r.scaling.join(', ')}`,
        `affine (qform_code ${r.qformCode}, sform_code ${r.sformCode}, ${r.axcodes.join('')}):`,
        ...r.affine.map((row) => `  ${row.map((v) => v.toFixed(4).padStart(11)).join(' ')}`),
        ...(r.hasData ? [] : ['data: not available (header only)']),
        ...r.voxels.map((v) => `voxel [${v.index.join(', ')}] = ${v.value}`),
        ...r.warnings.map((w) => `warning: ${w}`),
      ].join('\n'),
    );
    return 0;
  },
};

/** (i, j, k, t) with t a flat volume index → a full index over dims 4..7 (dim 4 fastest). */
function volumeIndex(ijkt: number[], shape: number[]): number[] {
  const extra = shape.slice(3);
  if (extra.length <= 1) return ijkt;
  let t = ijkt[3];
  const out = ijkt.slice(0, 3);
  for (const n of extra) {
    out.push(t % n);
    t = Math.floor(t / n);
  }
  return out;
}

export const fmriCommands: Command[] = [fmriInfo];
