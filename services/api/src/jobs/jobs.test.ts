/**
 * /v1/jobs end to end on a real server on loopback (the default engine: the local worker pool in child
 * processes): a small plan submitted, its progress followed as server-sent events until 'end', its results read;
 * a cancelled job; a study that does not validate; API keys enforced once they exist.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '@concord/core/testing';
import { ArtifactStore, BullmqJobEngine, planStudy } from '@concord/pipeline';
import {
  hasRedisServer,
  type JobsWorker,
  longItem,
  startJobsWorker,
  startTestRedis,
  type TestRedis,
} from '@concord/pipeline/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';

interface Sse {
  event: string;
  data: unknown;
}

/** Reads a text/event-stream response to its end. */
async function readEvents(res: Response): Promise<Sse[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.includes('data: '))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as unknown;
      return { event, data };
    });
}

const tinyStudy = (n: number, sleepMs: number) => ({
  name: 'tiny',
  final: 'collect',
  items: [
    ...Array.from({ length: n }, (_, i) => ({
      id: `n${i}`,
      kind: 'pipeline.noop',
      params: { id: i, value: i * 10, sleepMs },
      deps: [],
    })),
    {
      id: 'collect',
      kind: 'pipeline.collect',
      params: { study: 'tiny' },
      deps: Array.from({ length: n }, (_, i) => `n${i}`),
    },
  ],
});

/** A results.json row of a score. */
const scoreRow = (network: string, value: number) => ({
  network,
  layer: 'conv1',
  dataset: 'hIT',
  region: 'IT',
  time: null,
  metric: 'rsa:correlation/spearman',
  value,
  nSubjects: 4,
});

/** A plan whose results.json rows are the given rows. */
const scoredStudy = (name: string, rows: ReturnType<typeof scoreRow>[]) => ({
  name,
  final: 'collect',
  items: [
    ...rows.map((row, i) => ({ id: `r${i}`, kind: 'pipeline.noop', params: { row }, deps: [] })),
    { id: 'collect', kind: 'pipeline.collect', params: { study: name }, deps: rows.map((_, i) => `r${i}`) },
  ],
});

describe('/v1/jobs on a real server (local pool)', () => {
  let dir: string;
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concord-jobs-'));
    app = await buildApp({ dataDir: dir, jobs: { workers: 2 }, docs: false });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a small study end to end with its progress streamed', async () => {
    const post = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(tinyStudy(4, 50)),
    });
    expect(post.status).toBe(202);
    const { id, status } = (await post.json()) as { id: string; status: string };
    expect(status).toBe(`/v1/jobs/${id}`);

    const events = await readEvents(await fetch(`${url}/v1/jobs/${id}/events`));
    const kinds = new Set(events.map((e) => e.event));
    expect(kinds.has('status')).toBe(true);
    expect(events.at(-1)).toEqual({ event: 'end', data: { state: 'completed' } });
    // every item reported done once (the stream may start after the first items finished)
    const done = events
      .filter((e) => e.event === 'item' && (e.data as { state: string }).state === 'done')
      .map((e) => (e.data as { item: string }).item);
    expect(new Set(done).size).toBe(done.length);

    const st = (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as {
      state: string;
      items: Record<string, number>;
      results: string | null;
    };
    expect(st.state).toBe('completed');
    expect(st.items).toEqual({ total: 5, done: 5, running: 0, waiting: 0, failed: 0, retried: 0 });
    expect(st.results).toBe(`/v1/jobs/${id}/results`);

    const results = (await (await fetch(`${url}/v1/jobs/${id}/results`)).json()) as {
      rows: { item: string; value: number }[];
    };
    expect(results.rows.map((r) => [r.item, r.value])).toEqual([
      ['n0', 0],
      ['n1', 10],
      ['n2', 20],
      ['n3', 30],
    ]);
    const list = (await (await fetch(`${url}/v1/jobs`)).json()) as { items: { jobId: string }[] };
    expect(list.items.map((j) => j.jobId)).toContain(id);
  });

  it("streams a running item's own progress (a network's epochs) in the job's status; none once it ends", async () => {
    const post = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'long-item', items: [longItem()] }),
    });
    expect(post.status).toBe(202);
    const { id } = (await post.json()) as { id: string };
    const events = await readEvents(await fetch(`${url}/v1/jobs/${id}/events`));
    const progress = events
      .filter((e) => e.event === 'status')
      .flatMap(
        (e) => (e.data as { progress: { item: string; stage: string; done: number; total: number }[] }).progress,
      );
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (const p of progress) expect(p).toMatchObject({ item: 'long', stage: 'noop', total: 20 });
    const st = (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as { state: string; progress: unknown[] };
    expect(st.state).toBe('completed');
    expect(st.progress).toEqual([]);
  });

  it("stores a finished job's rows as scores, queryable with the score record's fields", async () => {
    const study = scoredStudy('scored', [scoreRow('alexnet', 0.25), scoreRow('vgg', 0.5)]);
    const post = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(study),
    });
    const { id } = (await post.json()) as { id: string };
    const events = await readEvents(await fetch(`${url}/v1/jobs/${id}/events`));
    expect(events.at(-1)).toEqual({ event: 'end', data: { state: 'completed' } });
    const page = (await (await fetch(`${url}/v1/scores?tag=job:${id}`)).json()) as {
      items: { metric: string; value: number; labels: Record<string, string>; record: Record<string, unknown> }[];
    };
    expect(page.items.map((s) => [s.labels.model, s.labels.roi, s.metric, s.value])).toEqual([
      ['alexnet', 'IT', 'rsa:correlation/spearman', 0.25],
      ['vgg', 'IT', 'rsa:correlation/spearman', 0.5],
    ]);
    expect(page.items[0].record).toMatchObject({
      network: 'alexnet',
      layer: 'conv1',
      dataset: 'hIT',
      region: 'IT',
      time: null,
      metric: 'rsa:correlation/spearman',
      value: 0.25,
      nSubjects: 4,
    });
    // the record's names work as filters (network = model, region = roi)
    const byNetwork = (await (await fetch(`${url}/v1/scores?network=vgg&region=IT&tag=job:${id}`)).json()) as {
      items: { value: number }[];
    };
    expect(byNetwork.items.map((s) => s.value)).toEqual([0.5]);
  });

  it('runs a learning-rule study (the JSON form of data/studies/learning-rules.yaml) posted as a job', async () => {
    const data = repoPath('data/third-party');
    const study = {
      name: 'posted-rules',
      kind: 'learning-rules',
      profile: 'tiny', // the study's own default profile: the body has no other way to choose one
      stimuli: { file: `${data}/92imageData/Kriegeskorte_Neuron2008_supplementalData.mat` },
      brain: { file: `${data}/92imageData/92_brainRDMs.mat` },
      profiles: {
        tiny: {
          rules: ['bp'],
          seeds: [0],
          defaults: {
            arch: 'mlp',
            dataset: `${data}/fashion-mnist-subset`,
            epochs: 1,
            limitTrain: 300,
            limitTest: 100,
            hidden: [32],
          },
          randomSeeds: [0],
          bootstrapSamples: 20,
        },
      },
    };
    const post = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(study),
    });
    expect(post.status).toBe(202);
    const { id } = (await post.json()) as { id: string };
    const events = await readEvents(await fetch(`${url}/v1/jobs/${id}/events`));
    expect(events.at(-1)).toEqual({ event: 'end', data: { state: 'completed' } });
    const results = (await (await fetch(`${url}/v1/jobs/${id}/results`)).json()) as {
      study: string;
      profile: string;
      rows: { rule: string; layer: string; dataset: string; value: number }[];
    };
    expect(results.profile).toBe('tiny');
    const bp = results.rows.filter((r) => r.rule === 'bp' && r.dataset === 'hIT');
    expect(bp.map((r) => r.layer)).toEqual(expect.arrayContaining(['fc1_tanh']));
    for (const r of bp) expect(Number.isFinite(r.value)).toBe(true);
    // its scores join the stored scores, each with every field of its results.json row (same names, same values)
    const stored = (await (await fetch(`${url}/v1/scores?tag=job:${id}&limit=1000`)).json()) as {
      items: Record<string, unknown>[];
    };
    const scoreRows = (results.rows as unknown as Record<string, unknown>[]).filter(
      (r) => typeof r.metric === 'string',
    );
    expect(stored.items.length).toBe(scoreRows.length);
    scoreRows.forEach((row, i) => {
      for (const [k, v] of Object.entries(row)) expect(stored.items[i][k], `row ${i} field ${k}`).toEqual(v);
      expect(stored.items[i].endpoint).toBe('jobs');
    });
    expect(Object.keys(scoreRows[0])).toEqual(
      expect.arrayContaining(['rule', 'seed', 'p', 'pCorrected', 'subjectCount']),
    );
  }, 120_000);

  it('refuses a learning-rule study with an unknown rule before any work, naming the entry', async () => {
    const res = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'bad-rules',
        kind: 'learning-rules',
        stimuli: { file: 'x.mat' },
        brain: { file: 'y.mat' },
        profiles: { quick: { rules: ['backprop-through-magic'] } },
      }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string };
    expect(body.message).toContain('profiles.quick.rules[backprop-through-magic]');
    expect(body.message).toContain('unknown learning rule');
  });

  it('cancels a running job: its remaining items never run', async () => {
    const post = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(tinyStudy(20, 300)),
    });
    const { id } = (await post.json()) as { id: string };
    const del = await fetch(`${url}/v1/jobs/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    const events = await readEvents(await fetch(`${url}/v1/jobs/${id}/events`));
    expect(events.at(-1)).toEqual({ event: 'end', data: { state: 'cancelled' } });
    const st = (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as { items: { done: number } };
    expect(st.items.done).toBeLessThan(21);
    expect((await fetch(`${url}/v1/jobs/${id}/results`)).status).toBe(409);
  });

  it('refuses a study that does not validate, naming the entry', async () => {
    const res = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bad', items: [{ id: 'a', kind: 'no.such.kind', params: {}, deps: [] }] }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('ERR_PIPELINE_UNKNOWN_ITEM_KIND');
    expect(body.message).toContain('no.such.kind');
    expect((await fetch(`${url}/v1/jobs/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('serves the study schema', async () => {
    const res = await fetch(`${url}/v1/schema/study`);
    expect(res.status).toBe(200);
    const schema = (await res.json()) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['stimuli', 'networks', 'brain', 'metrics']));
    expect(schema.required).toEqual(expect.arrayContaining(['stimuli', 'networks', 'brain', 'metrics']));
    const learning = (await (await fetch(`${url}/v1/schema/learning-study`)).json()) as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(learning.required).toEqual(expect.arrayContaining(['name', 'stimuli', 'brain', 'profiles']));
    expect(Object.keys(learning.properties)).toEqual(expect.arrayContaining(['kind', 'profile', 'profiles']));
  });

  it('needs an API key once keys exist', async () => {
    const key = app.concord.keys.create('jobs-test');
    const anon = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(tinyStudy(1, 0)),
    });
    expect(anon.status).toBe(401);
    const ok = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
      body: JSON.stringify(tinyStudy(1, 0)),
    });
    expect(ok.status).toBe(202);
    expect((await fetch(`${url}/v1/jobs`)).status).toBe(401);
    // like every /v1 route
    expect((await fetch(`${url}/v1/schema/study`)).status).toBe(401);
  });

  it('shows a key only the jobs it submitted; an admin key sees every job', async () => {
    const alice = app.concord.keys.create('alice');
    const bob = app.concord.keys.create('bob');
    const admin = app.concord.keys.create('ops', null, { admin: true });
    const as = (k: { key: string }) => ({ authorization: `Bearer ${k.key}` });
    const post = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...as(alice) },
      body: JSON.stringify(tinyStudy(1, 0)),
    });
    const { id } = (await post.json()) as { id: string };
    const ids = async (k: { key: string }) =>
      ((await (await fetch(`${url}/v1/jobs`, { headers: as(k) })).json()) as { items: { jobId: string }[] }).items.map(
        (j) => j.jobId,
      );
    expect(await ids(alice)).toContain(id);
    expect(await ids(bob)).not.toContain(id);
    expect(await ids(admin)).toContain(id);
    // Bob cannot read, stream, fetch the results of, or cancel Alice's job: it looks missing.
    for (const path of [`/v1/jobs/${id}`, `/v1/jobs/${id}/events`, `/v1/jobs/${id}/results`])
      expect((await fetch(`${url}${path}`, { headers: as(bob) })).status).toBe(404);
    expect((await fetch(`${url}/v1/jobs/${id}`, { method: 'DELETE', headers: as(bob) })).status).toBe(404);
    expect((await fetch(`${url}/v1/jobs/${id}`, { headers: as(alice) })).status).toBe(200);
    expect((await fetch(`${url}/v1/jobs/${id}`, { headers: as(admin) })).status).toBe(200);
  });
});

describe.skipIf(!hasRedisServer)(
  `/v1/jobs on BullMQ (serve --redis${hasRedisServer ? '' : '; skipped: /usr/bin/redis-server missing'})`,
  () => {
    let dir: string;
    let redis: TestRedis;
    let app: FastifyInstance;
    let url: string;
    let worker: JobsWorker;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'concord-jobs-bullmq-'));
      redis = await startTestRedis();
      const store = join(dir, 'store');
      app = await buildApp({ dataDir: dir, jobs: { redis: redis.url, store }, docs: false });
      url = await app.listen({ host: '127.0.0.1', port: 0 });
      worker = startJobsWorker({ redis: redis.url, store });
    });
    afterAll(async () => {
      expect(await worker.stop()).toBe(0);
      await app.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('runs a small study end to end on a worker process, status streamed', async () => {
      const post = await fetch(`${url}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(tinyStudy(3, 20)),
      });
      expect(post.status).toBe(202);
      const { id } = (await post.json()) as { id: string };
      const events = await readEvents(await fetch(`${url}/v1/jobs/${id}/events`));
      expect(events.some((e) => e.event === 'status')).toBe(true);
      expect(events.at(-1)).toEqual({ event: 'end', data: { state: 'completed' } });
      const results = (await (await fetch(`${url}/v1/jobs/${id}/results`)).json()) as { rows: { value: number }[] };
      expect(results.rows.map((r) => r.value)).toEqual([0, 10, 20]);
      const list = (await (await fetch(`${url}/v1/jobs`)).json()) as { items: { jobId: string; state: string }[] };
      expect(list.items.find((j) => j.jobId === id)?.state).toBe('completed');
    }, 90_000);

    it('imports the scores of a job submitted elsewhere (concord jobs submit to the same Redis) once it is listed', async () => {
      // what `concord jobs submit` does: its own engine on the same Redis and store
      const submitter = new BullmqJobEngine({ redis: redis.url, store: new ArtifactStore(join(dir, 'store')) });
      let jobId: string;
      try {
        const rows = [scoreRow('alexnet', 0.125), scoreRow('vgg', 0.75)];
        const plan = planStudy(scoredStudy('elsewhere', rows), { baseDir: dir, outputDir: join(dir, 'elsewhere-out') });
        jobId = (await submitter.submit(plan)).jobId;
        await expect
          .poll(async () => (await submitter.status(jobId))?.state, { timeout: 60_000, interval: 200 })
          .toBe('completed');
      } finally {
        await submitter.close();
      }
      // this server never subscribed to it; listing the studies (as the page does) imports its folder
      expect((await fetch(`${url}/v1/studies`)).status).toBe(200);
      const page = (await (await fetch(`${url}/v1/scores?tag=job:${jobId}`)).json()) as {
        items: { network: string; value: number; metric: string; endpoint: string }[];
      };
      expect(page.items.map((s) => [s.network, s.value, s.metric, s.endpoint])).toEqual([
        ['alexnet', 0.125, 'rsa:correlation/spearman', 'jobs'],
        ['vgg', 0.75, 'rsa:correlation/spearman', 'jobs'],
      ]);
      // listed again: nothing added
      await fetch(`${url}/v1/studies`);
      expect(
        ((await (await fetch(`${url}/v1/scores?tag=job:${jobId}`)).json()) as { items: unknown[] }).items,
      ).toHaveLength(2);
    }, 90_000);
  },
);
