/**
 * The web page in a real browser: Debian's chromium driven by playwright-core, against `concord serve --studies DIR`
 * on loopback seeded with a real run of a reduced simulated study (page/test-study.ts). Opens the page, finds the
 * study, sorts and filters its table by every filter (dataset, metric, network, layer; rule on the learning-rule
 * study), each time against results.json read from disk, checks the EEG time courses are drawn from results.json's
 * time-resolved rows, opens a figure, submits a small study through the form and follows it to completion on its
 * job page and, live, on the home page, searches the scores that job stored (against GET /v1/scores and the job's
 * results.json), asks for an API key once keys exist, checks there are no console errors and no serious or critical
 * axe-core violations, and saves screenshots at 1280×800 and 390 px wide to test-artifacts/web/.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_PATH, HEADLESS_CHROMIUM, hasChromium } from '@concord/core/testing';
import { longItem } from '@concord/pipeline/testing';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { makeLearningTestStudy, makeTestStudy, testStudyConfig } from './page/test-study.ts';
import { ApiKeyStore } from './store/api-keys.ts';
import { openDatabase } from './store/database.ts';
import { type ChildServer, startChildServer } from './test-server.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ARTIFACTS = join(repoRoot, 'test-artifacts/web');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

type Row = Record<string, unknown>;

let server: ChildServer;
let browser: Browser;
let context: BrowserContext;
let studiesDir: string;
let dataDir: string;
let rows: Row[];
let learning: { dir: string; rows: Row[]; pairwise: Row[] };
/** Console errors and page errors, with the page (URL) they came from. */
const consoleErrors: string[] = [];

async function newPage(width: number, height: number): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width, height });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

/** axe-core's serious and critical violations on the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  // Expressions as strings run in the page (this file is type-checked without the DOM library).
  const result = (await page.evaluate('window.axe.run(document)')) as {
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function tableColumn(page: Page, column: string): Promise<string[]> {
  return page.$$eval(
    '#results-table',
    ([table], col) => {
      const heads = [...table.querySelectorAll('thead th')].map((th) => th.getAttribute('data-column'));
      const i = heads.indexOf(col);
      return [...table.querySelectorAll('tbody tr')].map((tr) => tr.children[i]?.textContent ?? '');
    },
    column,
  );
}

/** The rows the results table shows, as {column: cell text}. */
async function shownRows(page: Page): Promise<Record<string, string>[]> {
  return page.$$eval('#results-table', ([table]) => {
    const heads = [...table.querySelectorAll('thead th')].map((th) => th.getAttribute('data-column') ?? '');
    return [...table.querySelectorAll('tbody tr')].map((tr) =>
      Object.fromEntries(heads.map((c, i) => [c, tr.children[i]?.textContent ?? ''])),
    );
  });
}

/** A cell shows this results.json value: text as is, numbers to within the 4 decimals (or 4 digits) shown. */
function cellShows(text: string, v: unknown): boolean {
  if (v === null || v === undefined) return text === '–';
  if (typeof v === 'boolean') return text === (v ? 'yes' : 'no');
  if (typeof v === 'number') {
    const x = Number(text);
    return text !== '' && Math.abs(x - v) <= Math.max(5.1e-5, Math.abs(v) * 5.1e-4);
  }
  return text === String(v);
}

/** The table shows exactly `expected` (results.json rows), each once, every shown column matching. */
function expectRows(shown: Record<string, string>[], expected: Row[]): void {
  expect(expected.length).toBeGreaterThan(0);
  expect(shown).toHaveLength(expected.length);
  expect(Object.keys(shown[0])).toEqual(expect.arrayContaining(['network', 'layer', 'dataset', 'metric', 'value']));
  const left = [...expected];
  for (const row of shown) {
    const i = left.findIndex((r) => Object.entries(row).every(([c, text]) => cellShows(text, r[c])));
    expect(i, `shown row ${JSON.stringify(row)} is not one of the expected results.json rows`).toBeGreaterThanOrEqual(
      0,
    );
    left.splice(i, 1);
  }
}

/** Vertices of an SVG line path drawn by vega ("M x,y L x,y …", linear interpolation). */
function vertices(d: string): [number, number][] {
  return [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

/** The largest distance of (x, y) from their least-squares line: ~0 when y is a linear scale of x. */
function linearResidual(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const slope = sxy / sxx;
  return Math.max(...points.map(([x, y]) => Math.abs(y - (my + slope * (x - mx)))));
}

const json = async (url: string): Promise<unknown> => {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return res.json();
};

/** The job the form submitted (its study is `submitted`), for the scores search after it. */
let submittedJob: string | undefined;

describe.skipIf(!hasChromium)(
  `the web page in chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM_PATH} is absent)`}`,
  () => {
    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      studiesDir = mkdtempSync(join(tmpdir(), 'concord-web-studies-'));
      dataDir = mkdtempSync(join(tmpdir(), 'concord-web-data-'));
      const studyDir = await makeTestStudy(studiesDir);
      rows = JSON.parse(readFileSync(join(studyDir, 'results.json'), 'utf8')).rows;
      const learningDir = await makeLearningTestStudy(studiesDir);
      learning = { dir: learningDir, ...JSON.parse(readFileSync(join(learningDir, 'results.json'), 'utf8')) };
      server = await startChildServer(dataDir, ['--studies', studiesDir, '--threads', '1']);
      browser = await chromium.launch(HEADLESS_CHROMIUM);
      // axe-core is injected as a script tag; the page's own CSP would refuse it.
      context = await browser.newContext({ bypassCSP: true });
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      for (const d of [studiesDir, dataDir]) if (d) rmSync(d, { recursive: true, force: true });
    });

    it('lists the seeded study; its table sorts and filters; its charts render; a figure opens', async () => {
      const page = await newPage(1280, 800);
      await page.goto(`${server.url}/`);
      await page.locator('#studies-table a', { hasText: 'page-test' }).waitFor();
      await page.locator('#studies-table a', { hasText: 'tiny-rules' }).waitFor();
      await shot(page, 'home-1280x800');
      expect(await axeViolations(page)).toEqual([]);

      await page.locator('#studies-table a', { hasText: 'page-test' }).click();
      await page.locator('#results-table').waitFor();
      await page.locator('.chart svg').first().waitFor();
      expect(await page.locator('#results-table caption').textContent()).toContain(`of ${rows.length} rows`);

      // Sort by value, from the keyboard: the shown order is results.json's values sorted here.
      const sortButton = page.locator('th[data-column="value"] button');
      await sortButton.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('th[data-column="value"]').getAttribute('aria-sort')).toBe('ascending');
      const values = rows.map((r) => r.value as number).sort((a, b) => a - b);
      const shownAscending = (await tableColumn(page, 'value')).map(Number);
      expect(shownAscending).toHaveLength(Math.min(100, rows.length));
      for (const [i, v] of shownAscending.entries()) expect(v).toBeCloseTo(values[i], 3);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('th[data-column="value"]').getAttribute('aria-sort')).toBe('descending');
      expect(Number((await tableColumn(page, 'value'))[0])).toBeCloseTo(values[values.length - 1], 3);

      // Filter by dataset and metric: exactly the matching rows of results.json, and only their charts.
      await page.selectOption('#filter-dataset', 'fmri');
      await page.selectOption('#filter-metric', 'cka:linear');
      const expected = rows.filter((r) => r.dataset === 'fmri' && r.metric === 'cka:linear');
      expect(expected.length).toBeGreaterThan(0);
      expect(await page.locator('#results-table tbody tr').count()).toBe(expected.length);
      expect(new Set(await tableColumn(page, 'dataset'))).toEqual(new Set(['fmri']));
      expect(new Set(await tableColumn(page, 'layer'))).toEqual(new Set(expected.map((r) => r.layer)));
      const visibleCharts = page.locator('figure.chart:visible');
      await expect.poll(() => visibleCharts.count()).toBeGreaterThan(0);
      for (const fig of await visibleCharts.all()) {
        const dataset = await fig.getAttribute('data-dataset');
        const metric = await fig.getAttribute('data-metric');
        expect(['', 'fmri']).toContain(dataset);
        expect(['', 'cka:linear']).toContain(metric);
        await fig.locator('svg').first().waitFor();
      }
      // The layer profile of fMRI × CKA is drawn with one point per layer.
      const profile = page.locator('figure.chart[data-kind="profile"][data-dataset="fmri"][data-metric="cka:linear"]');
      expect(await profile.count()).toBe(1);
      expect(await profile.locator('svg g.mark-symbol.role-mark path').count()).toBe(expected.length);
      // The RDM heatmaps carry the stimulus labels.
      const rdm = page.locator('figure.chart[data-kind="rdm"]').first();
      const labels = readFileSync(join(studiesDir, 'page-test', 'stimuli', 'stimuli.tsv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split('\t')[1]);
      const axisText = await rdm.locator('svg.marks').textContent();
      for (const l of labels) expect(axisText).toContain(l);
      await shot(page, 'study-1280x800');

      // Open a figure file: the dialog shows the image.
      const view = page.locator('button.view-figure').first();
      await view.click();
      const img = page.locator('#figure-dialog img');
      await img.waitFor();
      await expect
        .poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth))
        .toBeGreaterThan(0);
      await shot(page, 'figure-1280x800');
      await page.keyboard.press('Escape');
      await expect.poll(() => page.locator('#figure-dialog').evaluate((d) => d.hasAttribute('open'))).toBe(false);

      // Network and layer filters on top of dataset and metric: fMRI × CKA × toy × late is one row of results.json.
      await page.selectOption('#filter-network', 'toy');
      await page.selectOption('#filter-layer', 'late');
      const match = (f: Row) => (r: Row) => Object.entries(f).every(([k, v]) => r[k] === v);
      expectRows(
        await shownRows(page),
        rows.filter(match({ dataset: 'fmri', metric: 'cka:linear', network: 'toy', layer: 'late' })),
      );
      // EEG × RSA × middle layer: its time-resolved rows and its window and peak summaries.
      const rsa = 'rsa:euclidean/spearman';
      await page.selectOption('#filter-dataset', 'eeg');
      await page.selectOption('#filter-metric', rsa);
      await page.selectOption('#filter-layer', 'middle');
      const eegMiddle = rows.filter(match({ dataset: 'eeg', metric: rsa, network: 'toy', layer: 'middle' }));
      expect(eegMiddle.filter((r) => typeof r.time === 'number').length).toBeGreaterThan(2);
      expectRows(await shownRows(page), eegMiddle);
      expect(await page.locator('#results-table caption').textContent()).toContain(
        `of ${eegMiddle.length} rows (${rows.length} before filtering)`,
      );

      // Time courses: one chart per (dataset, region, metric) whose series span several times in results.json, one
      // line per network layer with one vertex per time, at x linear in the time and y linear in the value.
      const courses = new Map<string, Map<string, Row[]>>();
      for (const r of rows.filter((r) => typeof r.time === 'number')) {
        const chart = `${r.dataset}|${r.region}|${r.metric}`;
        const series = courses.get(chart) ?? new Map<string, Row[]>();
        series.set(`${r.network} ${r.layer}`, [...(series.get(`${r.network} ${r.layer}`) ?? []), r]);
        courses.set(chart, series);
      }
      for (const [chart, series] of courses)
        if ([...series.values()].some((points) => new Set(points.map((p) => p.time)).size < 2)) courses.delete(chart);
      expect(courses.size).toBeGreaterThan(0);
      expect(await page.locator('figure.chart[data-kind="time-course"]').count()).toBe(courses.size);
      const [chartKey, expectedSeries] =
        [...courses].find(([k]) => k.startsWith('eeg|') && k.endsWith(`|${rsa}`)) ?? [];
      expect(expectedSeries).toBeDefined();
      const course = page.locator(`figure.chart[data-kind="time-course"][data-dataset="eeg"][data-metric="${rsa}"]`);
      expect(await course.count()).toBe(1);
      expect(await course.locator('figcaption').textContent()).toContain((chartKey as string).split('|')[1]);
      const lines = course.locator('svg g.mark-line path');
      await lines.first().waitFor();
      const series = expectedSeries as Map<string, Row[]>;
      expect(await lines.count()).toBe(series.size);
      // The standard-error bands: one area per series.
      expect(await course.locator('svg g.mark-area path').count()).toBe(series.size);
      const drawn: [number, number][] = [];
      for (const line of await lines.all()) {
        const name = /series: ([^;]+)$/.exec((await line.getAttribute('aria-label')) ?? '')?.[1] ?? '';
        const points = series.get(name);
        expect(points, `line "${name}" is one of ${[...series.keys()].join(', ')}`).toBeDefined();
        const v = vertices((await line.getAttribute('d')) ?? '');
        const byTime = [...(points as Row[])].sort((a, b) => (a.time as number) - (b.time as number));
        expect(v).toHaveLength(byTime.length);
        expect(linearResidual(v.map(([x], i) => [byTime[i].time as number, x]))).toBeLessThan(0.6);
        for (const [i, [, y]] of v.entries()) drawn.push([byTime[i].value as number, y]);
      }
      // One y scale for all lines: every vertex's height is the same linear function of its results.json value.
      expect(linearResidual(drawn)).toBeLessThan(0.6);
      expect(new Set(drawn.map(([value]) => value.toFixed(6))).size).toBeGreaterThan(2);
      await course.scrollIntoViewIfNeeded();
      await shot(page, 'study-filtered-time-course-1280x800');
      expect(await axeViolations(page)).toEqual([]);
      await page.close();
    }, 120_000);

    it("shows the learning-rule study's criteria, accuracy and brain-similarity table, pairwise tests and networks", async () => {
      const page = await newPage(1280, 800);
      await page.goto(`${server.url}/#/studies/tiny-rules.quick`);
      await page.locator('#criteria-table').waitFor();
      const rules = [...new Set(learning.rows.map((r) => r.rule as string))];
      expect(await page.locator('#criteria-table tbody tr').count()).toBe(rules.length);
      const bp = learning.rows.find((r) => r.rule === 'bp') as {
        criteria: Record<string, boolean>;
        testAccuracy: number;
      };
      const bpRow = page.locator('#criteria-table tbody tr', { has: page.locator('th', { hasText: /^bp$/ }) });
      const cells = await bpRow.locator('td').allTextContents();
      expect(cells.slice(1, 4)).toEqual(
        ['asymmetricWeights', 'localErrors', 'singlePhase'].map((k) => (bp.criteria[k] ? 'yes' : 'no')),
      );
      expect(cells[5]).toBe(`${(bp.testAccuracy * 100).toFixed(1)} %`);
      expect(await page.locator('#pairwise-table tbody tr').count()).toBe(learning.pairwise.length);
      await page.locator('figure.chart[data-kind="profile"] svg.marks').first().waitFor();
      // The 92×92 RDM heatmaps (mean hIT, each rule's best layer) draw on canvases labelled as images.
      const heatmaps = page.locator('figure.chart[data-kind="rdm"]');
      expect(await heatmaps.count()).toBe(
        JSON.parse(readFileSync(join(learning.dir, 'rdms.json'), 'utf8')).rdms.length,
      );
      const canvas = heatmaps.first().locator('canvas.marks[role="img"]');
      await canvas.waitFor();
      expect(await canvas.getAttribute('aria-label')).toMatch(/hIT/);
      // An exported network downloads byte for byte.
      const link = page.locator('#study-files a', { hasText: /\.onnx$/ }).first();
      const path = (await link.textContent()) ?? '';
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      const saved = await download.path();
      expect(readFileSync(saved).equals(readFileSync(join(learning.dir, path)))).toBe(true);
      // Filter by rule, then by network and layer: exactly the matching rows of results.json.
      await page.selectOption('#filter-rule', 'fa');
      expectRows(
        await shownRows(page),
        learning.rows.filter((r) => r.rule === 'fa'),
      );
      await page.selectOption('#filter-rule', '');
      const network = learning.rows.find((r) => r.rule === 'bp')?.network as string;
      const layer = learning.rows.filter((r) => r.network === network).at(-1)?.layer as string;
      await page.selectOption('#filter-network', network);
      await page.selectOption('#filter-layer', layer);
      const chosen = learning.rows.filter((r) => r.network === network && r.layer === layer);
      expect(chosen.length).toBeLessThan(learning.rows.filter((r) => r.network === network).length);
      expectRows(await shownRows(page), chosen);
      await page.locator('#results-table').scrollIntoViewIfNeeded();
      await shot(page, 'learning-study-1280x800');
      expect(await axeViolations(page)).toEqual([]);
      await page.close();
    }, 60_000);

    it('is readable on a 390 px screen: nothing but the tables and charts scrolls sideways', async () => {
      const page = await newPage(390, 844);
      await page.goto(`${server.url}/#/studies/page-test`);
      await page.locator('#results-table').waitFor();
      await page.locator('.chart svg').first().waitFor();
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await shot(page, 'study-390');
      await page.goto(`${server.url}/#/`);
      await page.locator('#studies-table').waitFor();
      await shot(page, 'home-390');
      expect(await axeViolations(page)).toEqual([]);
      await page.close();
    }, 60_000);

    it('browses scores and submits a study through the form, following it to completion', async () => {
      const page = await newPage(1280, 800);
      await page.goto(`${server.url}/#/scores`);
      await page.locator('#scores-form').waitFor();
      await expect.poll(() => page.locator('#scores-result table, #scores-result p').count()).toBeGreaterThan(0);
      expect(await axeViolations(page)).toEqual([]);

      await page.goto(`${server.url}/#/submit`);
      // A study the service refuses: its error (naming the entry) is shown, nothing is submitted.
      await page.locator('#study-text').fill('name: broken\nmetrics: []\n');
      const errorsBefore = consoleErrors.length;
      await page.locator('#submit-study').click();
      const refusal = page.locator('#submit-message [role="alert"]');
      await refusal.waitFor();
      expect(await refusal.textContent()).toMatch(/HTTP 4\d\d, ERR_/);
      expect(page.url()).toMatch(/#\/submit$/);
      // The one expected console error: the browser reports the refused request's 400.
      expect(consoleErrors.splice(errorsBefore).every((e) => e.includes('status of 400'))).toBe(true);
      // Written as YAML: the page parses it and submits the JSON form.
      await page.locator('#study-text').fill(toYaml(testStudyConfig(studiesDir, 'submitted')));
      expect(await axeViolations(page)).toEqual([]);
      await page.locator('#submit-study').click();
      await page.waitForURL(/#\/jobs\//);
      const jobId = decodeURIComponent(/#\/jobs\/([^/]+)$/.exec(page.url())?.[1] ?? '');
      submittedJob = jobId;
      await page.locator('#job-progress [data-state]').waitFor();

      // Meanwhile the home page lists the job and follows its progress live (its event stream), without reloading.
      const home = await newPage(1280, 800);
      const streams: string[] = [];
      home.on('request', (r) => {
        if (r.url().includes('/events')) streams.push(new URL(r.url()).pathname);
      });
      await home.goto(`${server.url}/`);
      const jobLink = home.locator('#jobs-table a', { hasText: jobId });
      await jobLink.waitFor();
      // Every state the row's progress shows, recorded in the page as it changes.
      await home.evaluate(`(() => {
        const row = [...document.querySelectorAll('#jobs-table tbody tr')]
          .find((tr) => tr.querySelector('a')?.textContent === ${JSON.stringify(jobId)});
        const progress = row.querySelector('.job-progress');
        window.seenProgress = [];
        const note = () => window.seenProgress.push({ state: progress.dataset.state, text: progress.textContent });
        note();
        new MutationObserver(note).observe(progress, { subtree: true, childList: true, characterData: true, attributes: true });
        window.watchedRow = row;
      })()`);
      await shot(home, 'home-job-running-1280x800');
      expect(await axeViolations(home)).toEqual([]);
      await shot(page, 'job-running-1280x800');
      await page.locator('#job-progress [data-state="completed"]').waitFor({ timeout: 150_000 });
      const homeRow = home.locator('#jobs-table tbody tr', { has: home.locator('a', { hasText: jobId }) });
      await homeRow.locator('.job-progress[data-state="completed"]').waitFor({ timeout: 10_000 });
      const status = (await json(`${server.url}/v1/jobs/${encodeURIComponent(jobId)}`)) as {
        state: string;
        items: { total: number; done: number };
      };
      expect(status.state).toBe('completed');
      expect(status.items.total).toBeGreaterThan(1);
      const seen = (await home.evaluate('window.seenProgress')) as { state: string; text: string }[];
      const counts = seen.map((s) => {
        const c = /(\d+)\/(\d+) items/.exec(s.text);
        return { state: s.state, done: Number(c?.[1]), total: Number(c?.[2]) };
      });
      // It was shown unfinished first, then counted up to the job's own item total, then completed.
      expect(['waiting', 'running']).toContain(counts[0].state);
      expect(counts[0].done).toBeLessThan(status.items.total);
      const last = counts[counts.length - 1];
      expect(last).toEqual({ state: 'completed', done: status.items.total, total: status.items.total });
      for (let i = 1; i < counts.length; i++) expect(counts[i].done).toBeGreaterThanOrEqual(counts[i - 1].done);
      const doneSeen = new Set(counts.map((c) => c.done));
      expect(doneSeen.size, JSON.stringify(counts)).toBeGreaterThanOrEqual(3);
      expect(await home.evaluate('document.contains(window.watchedRow)')).toBe(true);
      expect(streams).toContain(`/v1/jobs/${encodeURIComponent(jobId)}/events`);
      await shot(home, 'home-job-completed-1280x800');
      await home.close();

      const text = await page.locator('#job-progress').textContent();
      const m = /(\d+)\/(\d+) items/.exec(text ?? '');
      expect(m?.[1]).toBe(m?.[2]);
      // Live progress arrived as events (not only the final status).
      expect(await page.locator('.events li').count()).toBeGreaterThan(1);
      await shot(page, 'job-completed-1280x800');
      await page.locator('#job-study-link').click();
      await page.locator('#results-table').waitFor();
      expect(await page.locator('h1').textContent()).toContain('submitted');
      await page.close();
    }, 200_000);

    it("a job's page shows a running item's own progress (a network's epochs) and drops it when the job ends", async () => {
      const post = await fetch(`${server.url}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // 3 s: long enough for the page to load and follow it while it runs
        body: JSON.stringify({ name: 'long-item', items: [longItem(3000, 30)] }),
      });
      expect(post.status).toBe(202);
      const { id } = (await post.json()) as { id: string };
      const page = await newPage(1280, 800);
      await page.goto(`${server.url}/#/jobs/${encodeURIComponent(id)}`);
      const line = page.locator('#job-progress .job-items [data-item="long"]');
      await line.waitFor({ timeout: 20_000 });
      expect(await line.textContent()).toMatch(/^ ?long: noop \d+\/30$/);
      expect(await line.locator('progress').getAttribute('max')).toBe('30');
      expect(await axeViolations(page)).toEqual([]);
      await page.locator('#job-progress [data-state="completed"]').waitFor({ timeout: 30_000 });
      expect(await page.locator('#job-progress .job-items').isHidden()).toBe(true);
      await page.close();
    }, 60_000);

    it('searches the scores the submitted job stored: the rows GET /v1/scores gives for the same filter', async () => {
      expect(submittedJob).toBeDefined();
      // endpoint 'jobs': the seeded --studies folder's rows (endpoint 'studies') share the metric and layer.
      const filter = { metric: 'cka:linear', layer: 'late', endpoint: 'jobs' };
      // Independently: the rows of the job's results.json (in the service's data folder, jobs/<time>-<study>/) with
      // that metric and layer, and the API's answer to the filter.
      const folders = readdirSync(join(dataDir, 'jobs')).filter((d) => d.endsWith('-submitted'));
      expect(folders).toHaveLength(1);
      const results = JSON.parse(readFileSync(join(dataDir, 'jobs', folders[0], 'results.json'), 'utf8')).rows as Row[];
      const expected = results.filter((r) => r.metric === filter.metric && r.layer === filter.layer);
      expect(expected.length).toBeGreaterThan(1);
      expect(expected.length).toBeLessThan(results.length);
      const api = (await json(`${server.url}/v1/scores?${new URLSearchParams({ ...filter, limit: '100' })}`)) as {
        items: { id: number | string; metric: string; value: number; tags?: string[] }[];
      };
      expect(api.items).toHaveLength(expected.length);
      expect(api.items.every((i) => i.tags?.includes(`job:${submittedJob}`))).toBe(true);

      const page = await newPage(1280, 800);
      await page.goto(`${server.url}/#/scores`);
      await page.locator('#scores-form').waitFor();
      await page.locator('#score-metric').fill(filter.metric);
      await page.locator('#score-layer').fill(filter.layer);
      await page.locator('#score-endpoint').fill(filter.endpoint);
      await page.locator('#scores-form button[type="submit"]').click();
      await expect.poll(() => page.locator('#scores-table caption').textContent()).toBe(`${expected.length} scores`);
      const shown = await page.$$eval('#scores-table', ([table]) => {
        const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent ?? '');
        return [...table.querySelectorAll('tbody tr')].map((tr) =>
          Object.fromEntries(heads.map((c, i) => [c, tr.children[i]?.textContent ?? ''])),
        );
      });
      // The API's items, in its order (oldest first), each with its id, metric, layer and value.
      expect(shown.map((r) => r.id)).toEqual(api.items.map((i) => String(i.id)));
      shown.forEach((r, i) => {
        expect(r.metric).toBe(filter.metric);
        expect(r.layer).toBe(filter.layer);
        expect(cellShows(r.value, api.items[i].value)).toBe(true);
      });
      // And the values are the results.json rows' values, each once.
      const left = expected.map((r) => r.value as number);
      for (const r of shown) {
        const k = left.findIndex((v) => cellShows(r.value, v));
        expect(k, `score ${r.value} is a results.json value`).toBeGreaterThanOrEqual(0);
        left.splice(k, 1);
      }
      await shot(page, 'scores-filtered-1280x800');
      expect(await axeViolations(page)).toEqual([]);
      await page.close();
    }, 60_000);

    it('asks for the API key once the service requires one and keeps it for the session only', async () => {
      const db = openDatabase(dataDir);
      const key = new ApiKeyStore(db).create('web page test').key;
      db.close();
      const page = await newPage(1280, 800);
      const before = consoleErrors.length;
      await page.goto(`${server.url}/`);
      await page.locator('#key-dialog[open]').waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.locator('#key-input').fill(key);
      await page.keyboard.press('Enter');
      await page.locator('#studies-table a', { hasText: 'page-test' }).waitFor();
      expect(await page.evaluate("sessionStorage.getItem('concord.apiKey')")).toBe(key);
      expect(await page.evaluate('JSON.stringify(localStorage)')).not.toContain(key);
      expect(await page.evaluate('document.cookie')).toBe('');
      // The one expected console error: the browser reports the 401 that made the page ask for the key.
      const during = consoleErrors.splice(before);
      expect(during.every((e) => e.includes('401'))).toBe(true);
      await page.locator('button', { hasText: 'Forget key' }).click();
      expect(await page.evaluate("sessionStorage.getItem('concord.apiKey')")).toBeNull();
      await page.close();
    }, 60_000);

    it('logged no console errors', () => {
      expect(consoleErrors).toEqual([]);
    });
  },
);
