/**
 * A finished job's results.json rows become stored scores (GET /v1/scores), once: each row as a score record
 * (pipeline/scores) under the API's labels (model = network, roi = region), tagged `job:<id>` and `study:<name>`,
 * owned by the key that submitted the job. Rows without a metric (not scores) are left out.
 */
import { readFileSync } from 'node:fs';
import { VERSION } from '@concord/core';
import { type JobDetails, type Json, scoreRecordOf } from '@concord/pipeline';
import type { ScoreStore } from '../store/scores.ts';

export function importJobScores(scores: ScoreStore, job: JobDetails, owner: string | null): number {
  if (!job.results) return 0;
  const tag = `job:${job.jobId}`;
  if (scores.query({ tags: [tag], limit: 1 }).items.length > 0) return 0;
  const doc = JSON.parse(readFileSync(job.results, 'utf8')) as { rows?: unknown };
  const rows = Array.isArray(doc.rows) ? (doc.rows as { [key: string]: Json }[]) : [];
  let n = 0;
  for (const row of rows) {
    if (typeof row?.metric !== 'string') continue;
    const r = scoreRecordOf(row);
    scores.insert({
      endpoint: 'jobs',
      metric: r.metric,
      value: r.value,
      ...(r.network !== null ? { model: r.network } : {}),
      ...(r.layer !== null ? { layer: r.layer } : {}),
      ...(r.dataset !== null ? { dataset: r.dataset } : {}),
      ...(r.region !== null ? { roi: r.region } : {}),
      tags: [tag, `study:${job.study}`],
      result: r,
      parameters: { jobId: job.jobId, study: job.study },
      inputHashes: {},
      concordVersion: VERSION,
      apiKeyId: owner,
    });
    n++;
  }
  return n;
}
