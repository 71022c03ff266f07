/**
 * The pipeline's contract. A study is planned into items: each item is a pure function of its params and its
 * dependencies' outputs, identified by a content key (kind, version, params, the dependencies' keys), so every
 * executor (in-process, local worker pool, BullMQ workers on other machines) computes the same thing once and
 * shares results through one artifact store.
 */
import type { ProgressCallback } from '@concord/core';
import type { ArtifactStore } from './artifact-store.ts';

/** JSON-serialisable data: what item params and item outputs are made of (they travel through Redis). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One unit of work in a plan. */
export interface PlanItem {
  /** Unique within the plan and readable: 'train/bp/seed-0', 'score/bp/seed-0/h2/hIT'. */
  id: string;
  /** Key into the item registry ('train', 'extract', 'score', ...). */
  kind: string;
  /** Everything the item needs besides its dependencies' outputs; file paths absolute. */
  params: Json;
  /** Ids of the items whose outputs this item reads (ctx.deps[id]). */
  deps: string[];
}

export interface Plan {
  study: string;
  /** Where the study's own outputs (results, report, exported networks) are written. */
  outputDir: string;
  items: PlanItem[];
  /**
   * The item whose files folder in the store holds the study's outputs (results.json, report ...); when the plan
   * completes, every executor copies that folder into outputDir. Absent: nothing is copied.
   */
  final?: string;
}

/** What an item function receives besides its params. */
export interface ItemContext {
  /** The outputs of the item's dependencies, by item id. */
  deps: Record<string, Json>;
  /** The store: files an item writes go under store.filesDir(key) (atomically), never elsewhere. */
  store: ArtifactStore;
  /** This item's content key (its files' folder in the store). */
  key: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** An item kind: a pure function of (params, deps' outputs); `version` changes whenever its results would. */
export interface ItemKind {
  kind: string;
  version: string;
  run(params: Json, ctx: ItemContext): Promise<Json>;
}
