/**
 * Every command of `concord`. Each area owns one module exporting its commands, so areas never edit the same file.
 * Modules are imported on first use: `concord --help` lists the commands from the manifest below without loading
 * any analysis package (TF.js, onnxruntime, h5wasm ...), and `concord <command>` loads only that command's module.
 * index.test.ts checks that the manifest lists exactly the commands the modules define, with the same summaries.
 */
import type { Command } from '../command.ts';

/** The module of each area, loaded on demand. */
export const COMMAND_MODULES = {
  core: async () => (await import('./core.ts')).coreCommands,
  rsa: async () => (await import('./rsa.ts')).rsaCommands,
  similarity: async () => (await import('./similarity.ts')).similarityCommands,
  eeg: async () => (await import('./eeg.ts')).eegCommands,
  fmri: async () => (await import('./fmri.ts')).fmriCommands,
  activations: async () => (await import('./activations.ts')).activationsCommands,
  api: async () => (await import('./api.ts')).apiCommands,
  study: async () => (await import('./study.ts')).studyCommands,
  train: async () => (await import('./train.ts')).trainCommands,
  stats: async () => (await import('./stats.ts')).statsCommands,
  evaluate: async () => (await import('./evaluate.ts')).evaluateCommands,
  jobs: async () => (await import('./jobs.ts')).jobsCommands,
} satisfies Record<string, () => Promise<Command[]>>;

export type CommandModuleName = keyof typeof COMMAND_MODULES;

export interface CommandManifestEntry {
  name: string;
  summary: string;
  module: CommandModuleName;
}

/** Name, one-line summary and module of every command, in the order `concord --help` lists them. */
export const COMMAND_MANIFEST: readonly CommandManifestEntry[] = [
  { module: 'core', name: 'info', summary: 'version, compute backend and threads' },
  { module: 'core', name: 'bench gemm', summary: 'time C = X·Xᵀ for a random X (n×p), best of 3 runs' },
  { module: 'rsa', name: 'rdm', summary: 'representational dissimilarity matrix from patterns (rsatoolbox calc_rdm)' },
  {
    module: 'rsa',
    name: 'rdm convert',
    summary: 'convert RDM files between rsatoolbox HDF5 (.h5/.hdf5), .npy and .json',
  },
  { module: 'rsa', name: 'compare', summary: 'compare two sets of RDM vectors (rsatoolbox compare)' },
  {
    module: 'rsa',
    name: 'noise-ceiling',
    summary: 'leave-one-subject-out noise ceiling of subject RDMs (rsatoolbox boot_noise_ceiling)',
  },
  {
    module: 'similarity',
    name: 'cka',
    summary: 'centered kernel alignment between two representations (Kornblith et al. 2019)',
  },
  {
    module: 'similarity',
    name: 'similarity',
    summary: 'compare two representations by a named metric (CKA, CCA family, shape metrics, k-NN, encoding models)',
  },
  {
    module: 'eeg',
    name: 'eeg info',
    summary:
      'format, channels, sampling rate, length and annotations of an EEG recording (EDF/BDF/BrainVision/EEGLAB/FIF)',
  },
  {
    module: 'fmri',
    name: 'fmri info',
    summary: 'format, shape, datatype, scaling, affine and zooms of a NIfTI image (.nii, .nii.gz, .hdr/.img)',
  },
  {
    module: 'activations',
    name: 'activations layers',
    summary: "list a network's inputs and every layer / intermediate tensor that can be extracted",
  },
  {
    module: 'activations',
    name: 'activations extract',
    summary:
      'run a network over stimuli and write the activations of the chosen layers to an .npz (one stimuli × units float32 entry per layer)',
  },
  {
    module: 'api',
    name: 'serve',
    summary: 'run the HTTP service (scores over JSON; OpenAPI at /docs; the web page at /) until SIGTERM',
  },
  { module: 'api', name: 'api-key create', summary: 'create an API key (shown once; stored hashed)' },
  {
    module: 'api',
    name: 'api-key list',
    summary: 'list API keys (ids, names, limits, revocation; never the secrets)',
  },
  {
    module: 'api',
    name: 'api-key revoke',
    summary: 'revoke an API key by id (requests with it then get 401)',
  },
  {
    module: 'study',
    name: 'compare-models',
    summary: 'run a comparison study: networks × layers × brain datasets × metrics → results table and report',
  },
  {
    module: 'train',
    name: 'train rules',
    summary: 'list the learning rules with their family, reference, plausibility criteria, architectures and defaults',
  },
  {
    module: 'train',
    name: 'train',
    summary: 'train a network with a learning rule and write it as ONNX (net.onnx) with a JSON sidecar (net.json)',
  },
  {
    module: 'stats',
    name: 'stats correct',
    summary: 'multiple-comparison correction of p-values (Bonferroni, Holm, Benjamini–Hochberg, Benjamini–Yekutieli)',
  },
  {
    module: 'stats',
    name: 'stats cluster-test',
    summary: 'cluster-based permutation test over time courses (MNE permutation_cluster_1samp_test)',
  },
  {
    module: 'stats',
    name: 'permutation-test',
    summary: 'relatedness of two RDMs by condition-label randomisation (Kriegeskorte et al. 2008; Mantel test)',
  },
  {
    module: 'evaluate',
    name: 'evaluate',
    summary: 'evaluate model RDMs against subject RDMs with rsatoolbox semantics (bootstrap, tests on results)',
  },
  {
    module: 'jobs',
    name: 'jobs submit',
    summary: 'plan a study and enqueue its items on Redis for `concord jobs worker` processes; prints the job id',
  },
  { module: 'jobs', name: 'jobs worker', summary: 'run a worker that takes study items from Redis until SIGTERM' },
  { module: 'jobs', name: 'jobs status', summary: "a job's state and item counts" },
  { module: 'jobs', name: 'jobs cancel', summary: 'cancel a job: workers stop taking its items' },
];

/** Every command of every module (loads them all: tests, and names missing from the manifest). */
export async function allCommands(): Promise<Command[]> {
  const lists = await Promise.all(Object.values(COMMAND_MODULES).map((load) => load()));
  return lists.flat();
}

/**
 * The command named by the first one or two words of argv: through the manifest (one module loaded), else by
 * loading every module (a command a module defines but the manifest does not list yet still runs).
 */
export async function findCommand(argv: readonly string[]): Promise<{ cmd: Command; rest: string[] } | undefined> {
  const two = argv.slice(0, 2).join(' ');
  const entry =
    COMMAND_MANIFEST.find((c) => argv.length >= 2 && c.name === two) ??
    COMMAND_MANIFEST.find((c) => c.name === argv[0]);
  const pick = (commands: Command[]) => {
    const byTwo = argv.length >= 2 ? commands.find((c) => c.name === two) : undefined;
    if (byTwo) return { cmd: byTwo, rest: argv.slice(2) };
    const byOne = commands.find((c) => c.name === argv[0]);
    return byOne ? { cmd: byOne, rest: argv.slice(1) } : undefined;
  };
  if (entry) {
    const found = pick(await COMMAND_MODULES[entry.module]());
    if (found) return found;
  }
  return pick(await allCommands());
}
