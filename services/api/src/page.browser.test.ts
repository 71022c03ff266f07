/**
 * The web page in a real browser: Debian's chromium driven by playwright-core, against `concord serve --studies DIR`
 * on loopback seeded with a real run of a reduced simulated study (page/test-study.ts). Opens the page, finds the
 * study, sorts and filters its table (checked against results.json read from disk), opens a figure, submits a small
 * study through the form and follows it to completion, asks for an API key once keys exist, checks there are no
 * console errors and no serious or critical axe-core violations, and saves screenshots at 1280×800 and 390 px wide
 * to test-artifacts/web/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_PATH, HEADLESS_CHROMIUM, hasChromium } from '@concord/core/testing';
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
      await page.locator('#job-progress [data-state]').waitFor();
      await shot(page, 'job-running-1280x800');
      await page.locator('#job-progress [data-state="completed"]').waitFor({ timeout: 150_000 });
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
