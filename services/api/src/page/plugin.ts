/** The web page at `/`: its static files and the study routes it reads. */
import type { FastifyInstance } from 'fastify';
import { staticRoutes } from './static-routes.ts';
import type { StudyCatalog } from './study-catalog.ts';
import { studyRoutes } from './study-routes.ts';

export async function pageRoutes(app: FastifyInstance, opts: { catalog: StudyCatalog }): Promise<void> {
  await app.register(staticRoutes);
  await app.register(studyRoutes, { catalog: opts.catalog });
}
