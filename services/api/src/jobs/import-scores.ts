/**
 * Finished studies' scores join the stored scores (GET /v1/scores), whichever way the study ran: the folders of
 * `--studies DIR` (studies run by `concord compare-models` or `concord jobs submit`) are imported at start-up,
 * whenever the studies are listed and before every score query (a stat of each results.json; a file is read only
 * when it changed), and finished jobs' folders when the job ends and whenever the studies are listed. Each row is
 * stored once (store/score-sources.ts). Rows of --studies folders are seen by every key, as the folders are; a
 * job's rows belong to the key that submitted it (admin keys only when the job was submitted elsewhere).
 */
import { join, resolve } from 'node:path';
import type { JobDetails } from '@concord/pipeline';
import type { FastifyBaseLogger } from 'fastify';
import type { StudyCatalog, StudyFolder } from '../page/study-catalog.ts';
import type { JobOwners } from '../store/job-owners.ts';
import type { ResultsImporter, ResultsSource } from '../store/score-sources.ts';

export class StudyScores {
  constructor(
    private readonly importer: ResultsImporter,
    private readonly catalog: StudyCatalog,
    private readonly owners: JobOwners,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** The source of a catalog folder: a --studies folder is shared; a job's belongs to its submitter. */
  private source(f: StudyFolder): ResultsSource {
    const file = resultsFile(f);
    if (f.origin === 'job' && f.jobId !== undefined) {
      const owner = this.owners.ownerOf(f.jobId);
      return {
        file,
        endpoint: 'jobs',
        tags: [`job:${f.jobId}`, `studyId:${f.id}`],
        parameters: { jobId: f.jobId, studyId: f.id },
        owner: owner ?? null,
        shared: false,
        legacyTag: `job:${f.jobId}`,
      };
    }
    return {
      file,
      endpoint: 'studies',
      tags: [`studyId:${f.id}`],
      parameters: { studyId: f.id },
      owner: null,
      shared: true,
    };
  }

  /** Import these folders' results (new or changed ones); a folder that cannot be read is logged and skipped. */
  importFolders(folders: StudyFolder[]): number {
    let rows = 0;
    for (const f of folders) {
      try {
        const outcome = this.importer.import(this.source(f));
        if (outcome.state === 'imported') {
          rows += outcome.rows;
          this.log.info({ study: f.id, rows: outcome.rows }, "imported a study's scores");
        }
      } catch (err) {
        this.log.warn({ err, dir: f.dir }, "could not import a study's scores");
      }
    }
    return rows;
  }

  /** A job that just ended (its results.json, when it wrote one). */
  importJob(job: JobDetails): number {
    if (!job.results) return 0;
    const dir = resolve(job.results, '..');
    return this.importFolders([{ id: `job-${job.jobId}`, dir, origin: 'job', jobId: job.jobId }]);
  }

  /** The --studies folders (cheap when nothing changed: one stat per folder); rows of folders gone are dropped. */
  syncFolders(): void {
    let folders: StudyFolder[];
    try {
      folders = this.catalog.studyFolders();
    } catch (err) {
      this.log.warn({ err }, 'could not list the study folders');
      return;
    }
    this.importFolders(folders);
    const root = this.catalog.root;
    if (root === undefined) return;
    try {
      const dropped = this.importer.forgetAbsentUnder(root, new Set(folders.map(resultsFile)));
      if (dropped > 0) this.log.info({ rows: dropped }, 'dropped the scores of study folders gone from disk');
    } catch (err) {
      this.log.warn({ err }, 'could not drop the scores of study folders gone from disk');
    }
  }
}

/** A study folder's results.json, by absolute path: the identity of its score source. */
function resultsFile(f: StudyFolder): string {
  return resolve(join(f.dir, 'results.json'));
}
