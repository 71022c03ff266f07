/** The web page at `/`: its static files and the study routes it reads (study folders and finished jobs). */
import type { FastifyInstance } from 'fastify';
import { staticRoutes } from './static-routes.ts';
import type { StudyCatalog } from './study-catalog.ts';
import { studyRoutes } from './study-routes.ts';

export async function pageRoutes(app: FastifyInstance, opts: { catalog: StudyCatalog }): Promise<void> {
  // A completed job's output folder is a study like any other: `job-<jobId>`.
  opts.catalog.addSource(async () =>
    (await app.concord.jobs.list())
      .filter((d) => d.state === 'completed')
      .map((d) => ({ id: `job-${d.jobId}`, dir: d.outputDir, origin: 'job' as const, jobId: d.jobId })),
  );
  await app.register(staticRoutes);
  await app.register(studyRoutes, { catalog: opts.catalog });
}
