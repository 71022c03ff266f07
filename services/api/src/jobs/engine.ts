/** The service's job engine: the local worker pool by default, BullMQ over Redis when started with --redis. */
import { join } from 'node:path';
import { ArtifactStore, type JobEngine, LocalJobEngine } from '@concord/pipeline';

export interface JobsOptions {
  /** Redis URL: jobs go to BullMQ workers (`concord jobs worker --redis URL`) instead of the local pool. */
  redis?: string;
  /** The artifact store (a directory every worker can reach). Default: <dataDir>/artifacts. */
  store?: string;
  /** Local pool size (default: the machine's cores). */
  workers?: number;
}

export async function createJobEngine(options: JobsOptions, dataDir: string): Promise<JobEngine> {
  const store = new ArtifactStore(options.store ?? join(dataDir, 'artifacts'));
  if (options.redis) {
    const { BullmqJobEngine } = await import('@concord/pipeline');
    return new BullmqJobEngine({ redis: options.redis, store });
  }
  return new LocalJobEngine(store, options.workers ? { workers: options.workers } : {});
}
