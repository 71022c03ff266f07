/**
 * Who submitted each job through POST /v1/jobs. A key sees (lists, reads, streams, cancels) only its own jobs; an
 * admin key, and everyone on a service without keys, sees every job the engine knows.
 */
import type { Viewer } from '../auth.ts';
import { OPEN_OWNER } from './array-claims.ts';
import type { Db } from './database.ts';

export class JobOwners {
  private readonly stmts;
  constructor(db: Db) {
    this.stmts = {
      add: db.prepare('INSERT OR IGNORE INTO job_owners (job_id, owner, created_at) VALUES (?, ?, ?)'),
      owner: db.prepare('SELECT owner FROM job_owners WHERE job_id = ?'),
    };
  }

  record(jobId: string, viewer: Viewer): void {
    this.stmts.add.run(jobId, viewer.keyId ?? OPEN_OWNER, new Date().toISOString());
  }

  /** The key that submitted `jobId`: its id, null when submitted while the service had no keys, undefined when not
   * submitted through this service (`concord jobs submit` to the same Redis). */
  ownerOf(jobId: string): string | null | undefined {
    const row = this.stmts.owner.get(jobId) as { owner: string } | undefined;
    if (row === undefined) return undefined;
    return row.owner === OPEN_OWNER ? null : row.owner;
  }

  /** May `viewer` see job `jobId`? */
  visible(jobId: string, viewer: Viewer): boolean {
    if (viewer.admin) return true;
    const row = this.stmts.owner.get(jobId) as { owner: string } | undefined;
    return row !== undefined && row.owner === (viewer.keyId ?? OPEN_OWNER);
  }
}
