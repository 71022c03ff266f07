/**
 * Who holds an uploaded array. Arrays are stored once per content (id = sha256), so two keys uploading the same
 * bytes share one file; each holds a claim. A key sees only arrays it claims (an admin key sees all); deleting
 * drops the key's claim, and the file goes with the last claim. Claims and the file change inside one IMMEDIATE
 * transaction, so an upload of the same bytes racing a delete (even from another process on the same store)
 * never ends with a claim whose file is gone.
 */
import type { Db } from './database.ts';

/** The owner recorded for uploads made while the service had no keys. */
export const OPEN_OWNER = '';

export class ArrayClaims {
  private readonly db: Db;
  private readonly stmts;
  constructor(db: Db) {
    this.db = db;
    this.stmts = {
      add: db.prepare('INSERT OR IGNORE INTO array_claims (array_id, owner, created_at) VALUES (?, ?, ?)'),
      has: db.prepare('SELECT 1 FROM array_claims WHERE array_id = ? AND owner = ?'),
      drop: db.prepare('DELETE FROM array_claims WHERE array_id = ? AND owner = ?'),
      dropAll: db.prepare('DELETE FROM array_claims WHERE array_id = ?'),
      count: db.prepare('SELECT COUNT(*) AS n FROM array_claims WHERE array_id = ?'),
    };
  }

  /** Record `owner`'s claim and run `place` (the rename into the store) in the same write transaction. */
  claim(id: string, owner: string, place: () => void): void {
    this.db
      .transaction(() => {
        this.stmts.add.run(id, owner, new Date().toISOString());
        place();
      })
      .immediate();
  }

  has(id: string, owner: string): boolean {
    return this.stmts.has.get(id, owner) !== undefined;
  }

  /**
   * Drop `owner`'s claim (every claim when owner is undefined: an admin). `remove` deletes the file, inside the
   * transaction, once no claim is left. Returns false when there was nothing of `owner`'s to drop.
   */
  release(id: string, owner: string | undefined, remove: () => void): boolean {
    return this.db
      .transaction(() => {
        if (owner !== undefined && this.stmts.drop.run(id, owner).changes === 0) return false;
        if (owner === undefined) this.stmts.dropAll.run(id);
        if ((this.stmts.count.get(id) as { n: number }).n === 0) remove();
        return true;
      })
      .immediate();
  }
}
