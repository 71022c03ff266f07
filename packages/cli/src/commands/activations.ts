/**
 * `concord activations layers` and `concord activations extract`: list a network's tensors, and run it over stimuli
 * writing one float32 .npz entry per layer (+ provenance JSON). The activations package (onnxruntime, TF.js, sharp)
 * is imported only when one of these commands runs, so other commands start fast.
 */
import { isAbsolute, resolve } from 'node:path';
import {
  type Command,
  choiceOption,
  numberOption,
  type ParsedOptions,
  requiredNumber,
  requiredString,
  stringOption,
  UsageError,
} from '../command.ts';

function abs(cwd: string, p: string): string {
  return isAbsolute(p) ? p : resolve(cwd, p);
}

function numberList(opts: ParsedOptions, name: string): number[] | undefined {
  const v = stringOption(opts, name);
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n)))
    throw new UsageError(`--${name}: expected comma-separated numbers (e.g. 0.485,0.456,0.406), received '${v}'`);
  return nums;
}

type ReduceSpec = import('@concord/activations').ReduceSpec;

/** --reduce gap | rp:K[:SEED[:DENSITY]] | pca:K, several joined by '+' (applied in order). */
function parseReduce(v: string | undefined, seed: number): ReduceSpec[] | undefined {
  if (v === undefined) return undefined;
  return v.split('+').map((part) => {
    const [kind, ...args] = part.trim().split(':');
    const int = (s: string | undefined, what: string) => {
      const n = Number(s);
      if (s === undefined || !Number.isInteger(n) || n <= 0)
        throw new UsageError(`--reduce: ${kind} needs a positive integer ${what} (e.g. rp:4096), received '${part}'`);
      return n;
    };
    if (kind === 'gap') return { kind: 'globalAveragePool' };
    if (kind === 'rp') {
      const density = args[2] === undefined ? 'auto' : args[2] === 'achlioptas' ? 'achlioptas' : Number(args[2]);
      return {
        kind: 'randomProjection',
        nComponents: int(args[0], 'number of components'),
        seed: args[1] !== undefined ? int(args[1], 'seed') : seed,
        density,
      } as ReduceSpec;
    }
    if (kind === 'pca') return { kind: 'pca', nComponents: int(args[0], 'number of components') };
    throw new UsageError(
      `--reduce: unknown reduction '${kind}'; expected gap, rp:K[:SEED[:DENSITY]] or pca:K (join several with '+')`,
    );
  });
}

const layers: Command = {
  name: 'activations layers',
  summary: "list a network's inputs and every layer / intermediate tensor that can be extracted",
  options: {
    model: {
      type: 'string',
      value: 'M',
      description: 'an .onnx file or a TensorFlow.js model.json (weight shards beside it)',
      required: true,
    },
    'no-probe': {
      type: 'boolean',
      description: 'do not run one zero input to fill in shapes the model file does not record',
    },
  },
  details: 'Shapes use the model\'s symbol (e.g. "N" or "batch") for a dynamic batch axis; null means unknown.',
  async run(opts, _pos, ctx) {
    const { loadModel } = await import('@concord/activations');
    const model = await loadModel(abs(ctx.cwd, requiredString(opts, 'model')));
    try {
      if (!opts['no-probe']) await model.inferShapes();
      const result = {
        inputs: model.inputs.map((i) => ({ name: i.name, shape: i.shape, dtype: i.dtype })),
        layers: model.layers.map((l) => ({ name: l.name, shape: l.shape, op: l.op, dtype: l.dtype })),
        format: model.format,
        runtime: model.runtime,
      };
      const fmt = (s: unknown[] | null) => (s ? `[${s.map((d) => (d === null ? '?' : d)).join(', ')}]` : '?');
      ctx.output(result, (r: typeof result) =>
        [
          `${r.format} model (${r.runtime})`,
          'inputs:',
          ...r.inputs.map((i) => `  ${i.name}  ${fmt(i.shape)}  ${i.dtype}`),
          `layers (${r.layers.length}):`,
          ...r.layers.map((l) => `  ${l.name}  ${fmt(l.shape)}  ${l.op}`),
        ].join('\n'),
      );
    } finally {
      await model.dispose();
    }
    return 0;
  },
};

const extract: Command = {
  name: 'activations extract',
  summary:
    'run a network over stimuli and write the activations of the chosen layers to an .npz (one stimuli × units float32 entry per layer)',
  options: {
    model: { type: 'string', value: 'M', description: 'an .onnx file or a TensorFlow.js model.json', required: true },
    inputs: {
      type: 'string',
      value: 'X.npy',
      description: 'a stimulus tensor fed to the network as is (first axis = stimuli)',
    },
    stimuli: {
      type: 'string',
      value: 'DIR',
      description:
        'a folder of PNG/JPEG images (sorted by name), a CSV/TSV list of images, or a .mat file holding stimulus images',
    },
    variable: {
      type: 'string',
      value: 'NAME',
      description: 'with --stimuli FILE.mat: the variable holding the images (default: found automatically)',
    },
    list: {
      type: 'string',
      value: 'FILE',
      description: 'with --stimuli DIR: a CSV/TSV list giving the order and condition labels',
    },
    size: {
      type: 'string',
      value: 'S',
      description: 'resize images to S×S when they differ (default: keep their size)',
    },
    mean: {
      type: 'string',
      value: 'r,g,b',
      description: 'per-channel mean subtracted after scaling to [0, 1]',
      default: '0,0,0',
    },
    std: {
      type: 'string',
      value: 'r,g,b',
      description: 'per-channel std divided by after subtracting the mean',
      default: '1,1,1',
    },
    layout: {
      type: 'string',
      value: 'nchw|nhwc',
      description: 'channel order of the image tensor (default: nchw for .onnx, nhwc for TF.js models)',
    },
    layers: {
      type: 'string',
      value: 'a,b,...',
      description: 'layer / tensor names (see concord activations layers)',
      required: true,
    },
    out: {
      type: 'string',
      value: 'FILE.npz',
      description: 'output file; <out>.provenance.json is written beside it',
      required: true,
    },
    'batch-size': { type: 'string', value: 'B', description: 'stimuli per network run', default: '32' },
    reduce: {
      type: 'string',
      value: 'SPEC',
      description: "reductions while streaming: gap, rp:K[:SEED[:DENSITY]], pca:K; several joined by '+'",
    },
    seed: { type: 'string', value: 'N', description: 'seed for rp when the spec gives none', default: '0' },
    cache: {
      type: 'string',
      value: 'DIR',
      description: 'reuse results keyed by model hash + stimuli hash + preprocessing + layers + reductions',
    },
    threads: { type: 'string', value: 'T', description: 'onnxruntime intra-op threads (default: one per core)' },
  },
  details: [
    'With --inputs the tensor is fed as is (its dtype and shape must match the model input).',
    'With --stimuli pixels are scaled to [0, 1] (divided by 255), resized to S×S when --size is given and differs,',
    'then normalised per channel as (x - mean) / std. ImageNet networks usually want',
    '--mean 0.485,0.456,0.406 --std 0.229,0.224,0.225.',
    'JSON output: {"out": path, "layers": {"<name>": {"key": "<npz entry>", "shape": [stimuli, units]}}, ...}.',
  ].join('\n'),
  async run(opts, _pos, ctx) {
    const inputs = stringOption(opts, 'inputs');
    const stimuliDir = stringOption(opts, 'stimuli');
    if ((inputs === undefined) === (stimuliDir === undefined))
      throw new UsageError('concord activations extract: give exactly one of --inputs X.npy or --stimuli DIR');
    const layerNames = requiredString(opts, 'layers')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (layerNames.length === 0) throw new UsageError('--layers: expected comma-separated layer names');
    const batchSize = requiredNumber(opts, 'batch-size', { integer: true, min: 1 });
    const threads = numberOption(opts, 'threads', { integer: true, min: 1 });
    const seed = requiredNumber(opts, 'seed', { integer: true, min: 0 });
    const size = numberOption(opts, 'size', { integer: true, min: 1 });
    const reduce = parseReduce(stringOption(opts, 'reduce'), seed);
    const act = await import('@concord/activations');
    const model = await act.loadModel(
      abs(ctx.cwd, requiredString(opts, 'model')),
      threads !== undefined ? { threads } : {},
    );
    try {
      const stimuli = inputs
        ? await act.loadStimuli(abs(ctx.cwd, inputs))
        : await act.loadStimuli(abs(ctx.cwd, requiredString(opts, 'stimuli')), {
            ...(size !== undefined ? { size } : {}),
            mean: numberList(opts, 'mean'),
            std: numberList(opts, 'std'),
            layout: choiceOption(opts, 'layout', act.LAYOUTS) ?? (model.format === 'onnx' ? 'nchw' : 'nhwc'),
            ...(stringOption(opts, 'list') ? { list: abs(ctx.cwd, requiredString(opts, 'list')) } : {}),
            ...(stringOption(opts, 'variable') ? { variable: stringOption(opts, 'variable') } : {}),
          });
      ctx.log(`${stimuli.count} stimuli of shape [${stimuli.shape.join(', ')}] → ${model.file}`);
      const out = requiredString(opts, 'out');
      const r = await act.extractToFile(model, stimuli, abs(ctx.cwd, out), {
        layers: layerNames,
        batchSize,
        ...(reduce ? { reduce } : {}),
        ...(stringOption(opts, 'cache') ? { cacheDir: abs(ctx.cwd, requiredString(opts, 'cache')) } : {}),
        onProgress: ctx.progress('activations'),
      });
      const result = {
        out,
        layers: r.layers,
        provenance: `${out}.provenance.json`,
        cached: r.cached,
        stimuli: stimuli.count,
      };
      ctx.output(result, (x: typeof result) =>
        [
          `wrote ${x.out} (${x.stimuli} stimuli${x.cached ? ', from cache' : ''})`,
          ...Object.entries(x.layers).map(([n, e]) => `  ${n} → ${e.key} [${e.shape.join(', ')}]`),
        ].join('\n'),
      );
    } finally {
      await model.dispose();
    }
    return 0;
  },
};

export const activationsCommands: Command[] = [layers, extract];
