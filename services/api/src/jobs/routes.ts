/**
 * /v1/jobs: studies run as jobs on the service's engine (the local worker pool, or BullMQ workers when the service
 * was started with --redis). POST submits (202 {id, status}), GET lists / reads one job's status, GET .../events
 * streams progress as server-sent events, GET .../results returns results.json, DELETE cancels. Like every /v1
 * route these need an API key once keys exist (decided by auth.ts on the matched route).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type JobDetails,
  type JobEvent,
  LearningStudySchema,
  planStudy,
  publicStatus,
  StudySchema,
  TERMINAL_STATES,
} from '@concord/pipeline';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Viewer } from '../auth.ts';
import { API_ERRORS, ApiError } from '../errors.ts';
import { ErrorReply } from '../schemas.ts';

const JobIdParams = Type.Object({
  id: Type.String({ pattern: '^[0-9a-f-]{36}$', description: 'a job id (UUID)' }),
});

const Counts = Type.Object({
  total: Type.Integer(),
  done: Type.Integer(),
  running: Type.Integer(),
  waiting: Type.Integer(),
  failed: Type.Integer(),
  retried: Type.Integer(),
});
const JobStatusReply = Type.Object({
  jobId: Type.String(),
  state: Type.Union(['waiting', 'running', 'completed', 'failed', 'cancelled'].map((s) => Type.Literal(s))),
  items: Counts,
  results: Type.Union([Type.String(), Type.Null()]),
});
const JobSummary = Type.Object({
  ...JobStatusReply.properties,
  study: Type.String(),
  created: Type.String(),
  failures: Type.Array(Type.Object({ item: Type.String(), error: Type.String(), attempts: Type.Integer() })),
  progress: Type.Array(
    Type.Object({
      item: Type.String(),
      stage: Type.String(),
      done: Type.Number(),
      total: Type.Number(),
      message: Type.Optional(Type.String()),
    }),
    { description: "running items' own progress (a network's epochs and batches), for the items that report it" },
  ),
});

/** The status object of the contract plus what a listing shows; never the server's paths. */
function summary(d: JobDetails) {
  return {
    ...publicStatus(d),
    results: d.results ? `/v1/jobs/${d.jobId}/results` : null,
    study: d.study,
    created: d.created,
    failures: d.failures,
    progress: d.progress,
  };
}

export async function jobRoutes(app: FastifyInstance): Promise<void> {
  const jobs = () => app.concord.jobs;
  // A job another key submitted looks missing (404), like an array or a score the viewer does not own.
  const find = async (id: string, viewer: Viewer): Promise<JobDetails> => {
    const d = app.concord.jobOwners.visible(id, viewer) ? await jobs().status(id) : undefined;
    if (!d) throw new ApiError(404, API_ERRORS.NOT_FOUND, `id: no job ${id}`, { field: 'id' });
    return d;
  };

  app.get(
    '/v1/schema/study',
    {
      schema: {
        summary: 'the JSON Schema of a study file (what POST /v1/jobs and concord compare-models accept)',
        operationId: 'studySchema',
        tags: ['jobs'],
        security: [{ bearer: [] }],
        response: { 200: Type.Unknown() },
      },
    },
    async (_request, reply) => reply.type('application/schema+json').send(JSON.stringify(StudySchema)),
  );

  app.get(
    '/v1/schema/learning-study',
    {
      schema: {
        summary:
          'the JSON Schema of a learning-rule study (kind: learning-rules), the other study POST /v1/jobs accepts',
        operationId: 'learningStudySchema',
        tags: ['jobs'],
        security: [{ bearer: [] }],
        response: { 200: Type.Unknown() },
      },
    },
    async (_request, reply) => reply.type('application/schema+json').send(JSON.stringify(LearningStudySchema)),
  );

  app.post(
    '/v1/jobs',
    {
      schema: {
        summary:
          'submit a study (the JSON form of a study file: GET /v1/schema/study, or a learning-rule study: GET /v1/schema/learning-study) as a job',
        operationId: 'submitJob',
        tags: ['jobs'],
        security: [{ bearer: [] }],
        body: Type.Object({}, { additionalProperties: true }),
        response: { 202: Type.Object({ id: Type.String(), status: Type.String() }), '4xx': ErrorReply },
      },
    },
    async (request, reply) => {
      // Clients never choose server paths for outputs: each job writes under the service's data folder.
      const name = String((request.body as { name?: unknown }).name ?? 'study').replace(/[^A-Za-z0-9._-]/g, '_');
      const outputDir = join(app.concord.jobsDir, `${Date.now()}-${name.slice(0, 60)}`);
      const plan = planStudy(request.body, { baseDir: app.concord.jobsDir, outputDir });
      const { jobId } = await jobs().submit(plan);
      app.concord.jobOwners.record(jobId, request.viewer);
      // Its scores join the stored scores once it finished (GET /v1/scores?tag=job:<id>), owned by the submitter.
      const unsubscribe = jobs().subscribe(jobId, (e) => {
        if (e.type !== 'status' || !TERMINAL_STATES.includes(e.status.state)) return;
        unsubscribe();
        app.concord.studyScores.importJob(e.status);
      });
      return reply.code(202).send({ id: jobId, status: `/v1/jobs/${jobId}` });
    },
  );

  app.get(
    '/v1/jobs',
    {
      schema: {
        summary: 'the jobs this key submitted (every job the engine knows for an admin key), newest first',
        operationId: 'listJobs',
        tags: ['jobs'],
        security: [{ bearer: [] }],
        response: { 200: Type.Object({ items: Type.Array(JobSummary) }), '4xx': ErrorReply },
      },
    },
    async (request) => ({
      items: (await jobs().list()).filter((d) => app.concord.jobOwners.visible(d.jobId, request.viewer)).map(summary),
    }),
  );

  app.get(
    '/v1/jobs/:id',
    {
      schema: {
        summary: "a job's status: state and item counts",
        operationId: 'getJob',
        tags: ['jobs'],
        security: [{ bearer: [] }],
        params: JobIdParams,
        response: { 200: JobSummary, '4xx': ErrorReply },
      },
    },
    async (request) => summary(await find((request.params as { id: string }).id, request.viewer)),
  );

  app.get(
    '/v1/jobs/:id/results',
    {
      schema: {
        summary: "a finished job's results.json",
        operationId: 'getJobResults',
        tags: ['jobs'],
        security: [{ bearer: [] }],
        params: JobIdParams,
        response: { 200: Type.Unknown(), '4xx': ErrorReply },
      },
    },
    async (request, reply) => {
      const d = await find((request.params as { id: string }).id, request.viewer);
      if (!d.results)
        throw new ApiError(409, API_ERRORS.JOB_NOT_FINISHED, `id: job ${d.jobId} has no results yet (${d.state})`, {
          field: 'id',
        });
      return reply.type('application/json').send(readFileSync(d.results, 'utf8'));
    },
  );

  app.delete(
    '/v1/jobs/:id',
    {
      schema: {
        summary: 'cancel a job: workers stop taking its items',
        operationId: 'cancelJob',
        tags: ['jobs'],
        security: [{ bearer: [] }],
        params: JobIdParams,
        response: { 200: JobSummary, '4xx': ErrorReply },
      },
    },
    async (request) => {
      const id = (request.params as { id: string }).id;
      await find(id, request.viewer);
      if (!(await jobs().cancel(id)))
        throw new ApiError(404, API_ERRORS.NOT_FOUND, `id: no job ${id}`, { field: 'id' });
      return summary(await find(id, request.viewer));
    },
  );

  app.get(
    '/v1/jobs/:id/events',
    {
      schema: {
        summary:
          "a job's progress as server-sent events: 'item' (an item changed state), 'status' (the job's status), 'end'",
        operationId: 'jobEvents',
        tags: ['jobs'],
        security: [{ bearer: [] }],
        params: JobIdParams,
        response: { 200: Type.String({ description: 'text/event-stream' }), '4xx': ErrorReply },
      },
    },
    async (request, reply) => {
      const first = await find((request.params as { id: string }).id, request.viewer);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      let closed = false;
      const end = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(heartbeat);
        res.end();
      };
      const onEvent = (e: JobEvent) => {
        if (closed) return;
        if (e.type === 'item') send('item', e);
        else {
          send('status', summary(e.status));
          if (TERMINAL_STATES.includes(e.status.state)) {
            send('end', { state: e.status.state });
            end();
          }
        }
      };
      const unsubscribe = jobs().subscribe(first.jobId, onEvent);
      // A comment every 15 s keeps proxies from closing a quiet stream.
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      request.raw.on('close', end);
      onEvent({ type: 'status', status: first });
    },
  );
}
