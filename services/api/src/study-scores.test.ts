/**
 * Finished studies' scores through GET /v1/scores: the folders of `--studies DIR` (real runs of the reduced
 * simulated study and of a tiny learning-rule study, page/test-study.ts) are imported at start-up, on a studies
 * listing and before a score query; every results.json row appears with every one of its fields under the same name
 * and value; importing again (listing, restart, a touched file) never duplicates a row; a changed file replaces its
 * rows, a deleted folder's rows leave; every key sees these scores, only admin keys delete them.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { makeLearningTestStudy, makeTestStudy } from './page/test-study.ts';
import { ApiKeyStore } from './store/api-keys.ts';
import { openDatabase } from './store/database.ts';

type Row = Record<string, unknown>;

let studiesDir: string;
let simulatedDir: string;
let learningDir: string;
const dirs: string[] = [];
const temp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  studiesDir = temp('concord-study-scores-');
  simulatedDir = await makeTestStudy(studiesDir, 'sim');
  learningDir = await makeLearningTestStudy(studiesDir);
}, 180_000);

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The rows of a study's results.json that are scores (they name a metric), read from the file. */
function scoreRows(dir: string): Row[] {
  const doc = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { rows: Row[] };
  return doc.rows.filter((r) => typeof r.metric === 'string');
}

/** Every page of GET /v1/scores?<query>. */
async function allScores(app: FastifyInstance, query: string, headers: Record<string, string> = {}): Promise<Row[]> {
  const out: Row[] = [];
  let cursor: string | null = null;
  do {
    const r = await app.inject({
      method: 'GET',
      url: `/v1/scores?${query}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
      headers,
    });
    expect(r.statusCode, r.body).toBe(200);
    const page = r.json() as { items: Row[]; nextCursor: string | null };
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Each row appears, in file order, with every field of the row under its name and with its value. */
function expectRowsIn(items: Row[], rows: Row[]) {
  expect(items).toHaveLength(rows.length);
  rows.forEach((row, i) => {
    for (const [k, v] of Object.entries(row)) expect(items[i][k], `row ${i} field ${k}`).toEqual(v);
  });
}

describe('the scores of the --studies folders', () => {
  let dataDir: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    dataDir = temp('concord-study-scores-data-');
    app = await buildApp({ dataDir, threads: 0, docs: false, studies: studiesDir });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('every row of a comparison study appears with all its fields (region, time, layerIndex, modality, …)', async () => {
    const rows = scoreRows(simulatedDir);
    // the reduced simulated study has time-resolved EEG rows and static fMRI rows, RSA and CKA
    expect(rows.some((r) => typeof r.time === 'number')).toBe(true);
    expect(new Set(rows.map((r) => r.metric))).toEqual(new Set(['rsa:euclidean/spearman', 'cka:linear']));
    const items = await allScores(app, 'tag=studyId:sim');
    expectRowsIn(items, rows);
    for (const item of items) {
      expect(item.endpoint).toBe('studies');
      expect(item.tags).toEqual(['study:sim', 'studyId:sim']);
      // the API's first label names still carry the same labels
      expect(item.labels).toMatchObject({ model: item.network, roi: item.region, layer: item.layer });
    }
  });

  it('every row of a learning-rule study appears with all its fields (rule, seed, p, pCorrected, criteria, …)', async () => {
    const rows = scoreRows(learningDir);
    expect(rows.length).toBeGreaterThan(0);
    const fields = new Set(rows.flatMap((r) => Object.keys(r)));
    for (const f of ['rule', 'family', 'seed', 'testAccuracy', 'criteria', 'subjectCount', 'p', 'pCorrected'])
      expect(fields.has(f), f).toBe(true);
    const items = await allScores(app, 'tag=studyId:tiny-rules.quick');
    expectRowsIn(items, rows);
    // the score record reads subjectCount as nSubjects, so both studies' scores join on one field
    expect(items.map((item) => item.nSubjects)).toEqual(rows.map((r) => r.subjectCount));
  });

  it('filters by the study labels and by the metric vocabulary (bare names as aliases)', async () => {
    const rows = scoreRows(simulatedDir);
    const fmriCka = rows.filter((r) => r.dataset === 'fmri' && r.metric === 'cka:linear');
    expect(fmriCka.length).toBeGreaterThan(0);
    expectRowsIn(await allScores(app, 'tag=studyId:sim&dataset=fmri&metric=cka'), fmriCka);
    expectRowsIn(await allScores(app, 'tag=studyId:sim&dataset=fmri&metric=cka:linear'), fmriCka);
    const late = rows.filter((r) => r.layer === 'late' && r.metric === 'rsa:euclidean/spearman');
    expectRowsIn(await allScores(app, 'tag=studyId:sim&network=toy&layer=late&metric=spearman'), late);
    const region = String(rows.find((r) => r.dataset === 'eeg')?.region);
    expectRowsIn(
      await allScores(app, `tag=studyId:sim&roi=${encodeURIComponent(region)}`),
      rows.filter((r) => r.region === region),
    );
  });

  it('importing again never duplicates a row: listings, a restart, a touched file', async () => {
    const expected = scoreRows(simulatedDir).length + scoreRows(learningDir).length;
    const count = () => app.concord.scores.count();
    expect(count()).toBe(expected);
    for (let i = 0; i < 2; i++) {
      expect((await app.inject({ method: 'GET', url: '/v1/studies' })).statusCode).toBe(200);
      await allScores(app, 'tag=studyId:sim');
    }
    expect(count()).toBe(expected);
    // same content, new modification time: read and hashed again, not imported again (the same rows, same ids)
    const ids = async () => (await allScores(app, 'tag=studyId:sim')).map((s) => s.id);
    const before = await ids();
    const file = join(simulatedDir, 'results.json');
    const later = new Date(Date.now() + 5_000);
    utimesSync(file, later, later);
    await app.inject({ method: 'GET', url: '/v1/studies' });
    expect(count()).toBe(expected);
    expect(await ids()).toEqual(before);
    // a second service on the same data directory imports at start-up: nothing new
    const again = await buildApp({ dataDir, threads: 0, docs: false, studies: studiesDir });
    try {
      await again.ready();
      expect(again.concord.scores.count()).toBe(expected);
    } finally {
      await again.close();
    }
  });

  it('a study finished after start-up is found by the next score query; a re-run replaces its rows', async () => {
    const copy = join(studiesDir, 'sim-copy');
    cpSync(simulatedDir, copy, { recursive: true });
    const rows = scoreRows(copy);
    expectRowsIn(await allScores(app, 'tag=studyId:sim-copy'), rows);
    // the study is run again with other numbers: its rows are replaced, not added
    const doc = JSON.parse(readFileSync(join(copy, 'results.json'), 'utf8')) as { rows: Row[] };
    doc.rows = doc.rows.map((r) => ({ ...r, value: typeof r.value === 'number' ? r.value + 1 : r.value }));
    writeFileSync(join(copy, 'results.json'), JSON.stringify(doc));
    const rerun = scoreRows(copy);
    expect(rerun[0].value).not.toEqual(rows[0].value);
    expectRowsIn(await allScores(app, 'tag=studyId:sim-copy'), rerun);
    // the folder is deleted: its rows leave the stored scores at the next query; the other studies' stay
    const before = app.concord.scores.count();
    rmSync(copy, { recursive: true, force: true });
    expect(await allScores(app, 'tag=studyId:sim-copy')).toEqual([]);
    expect(app.concord.scores.count()).toBe(before - rerun.length);
    expectRowsIn(await allScores(app, 'tag=studyId:sim'), scoreRows(simulatedDir));
  });

  it('a results.json that is not JSON is logged and skipped; the other studies still answer', async () => {
    const broken = join(studiesDir, 'broken');
    cpSync(simulatedDir, broken, { recursive: true });
    writeFileSync(join(broken, 'results.json'), '{"rows": [');
    const before = app.concord.scores.count();
    expect((await allScores(app, 'tag=studyId:sim')).length).toBe(scoreRows(simulatedDir).length);
    expect(await allScores(app, 'tag=studyId:broken')).toEqual([]);
    expect(app.concord.scores.count()).toBe(before);
    rmSync(broken, { recursive: true, force: true });
  });
});

describe('study scores and API keys', () => {
  it('every key sees the study folders’ scores; only an admin key deletes one', async () => {
    const dataDir = temp('concord-study-scores-keys-');
    const db = openDatabase(dataDir);
    const keys = new ApiKeyStore(db);
    const lab = keys.create('lab', null).key;
    const admin = keys.create('admin', null, { admin: true }).key;
    db.close();
    const app = await buildApp({ dataDir, threads: 0, docs: false, studies: studiesDir });
    try {
      const as = (k: string) => ({ authorization: `Bearer ${k}` });
      const rows = scoreRows(simulatedDir);
      const seen = await allScores(app, 'tag=studyId:sim', as(lab));
      expectRowsIn(seen, rows);
      const id = String(seen[0].id);
      const refused = await app.inject({ method: 'DELETE', url: `/v1/scores/${id}`, headers: as(lab) });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'ERR_API_FORBIDDEN', field: 'id' });
      expect((await app.inject({ method: 'DELETE', url: `/v1/scores/${id}`, headers: as(admin) })).statusCode).toBe(
        204,
      );
      // the file is unchanged, so the deleted row is not imported again
      await app.inject({ method: 'GET', url: '/v1/studies', headers: as(admin) });
      expect(await allScores(app, 'tag=studyId:sim', as(lab))).toHaveLength(rows.length - 1);
    } finally {
      await app.close();
    }
  });
});
