/**
 * Jobs of the engine's HTTP contract: GET /v1/jobs, GET /v1/jobs/:id → {jobId, state, items: {total, done, running,
 * waiting, failed, retried}, results, progress}, GET /v1/jobs/:id/events (server-sent progress). A progress widget
 * shows the state and done/total, the running items' own progress (a network's epochs: `progress`), and follows
 * the event stream until the job ends.
 */
import { api } from './api.js';
import { announce, h } from './dom.js';
import { followEvents } from './sse.js';

export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export async function jobList(signal) {
  const reply = await api('/v1/jobs', { signal });
  const jobs = Array.isArray(reply) ? reply : (reply.jobs ?? reply.items ?? []);
  return jobs.map((j) => ({ ...j, jobId: j.jobId ?? j.id }));
}

export async function jobStatus(id, signal) {
  const s = await api(`/v1/jobs/${encodeURIComponent(id)}`, { signal });
  return { ...s, jobId: s.jobId ?? s.id ?? id };
}

/** Done/total from a status object ({items: {...}}) or from an item event ({done, total}). */
export function countsOf(x) {
  if (x?.items && typeof x.items === 'object')
    return { done: x.items.done ?? 0, total: x.items.total ?? 0, failed: x.items.failed ?? 0 };
  if (typeof x?.done === 'number' && typeof x?.total === 'number') return { done: x.done, total: x.total, failed: 0 };
  return null;
}

/**
 * A `<progress>` with its state text. `follow(signal)` streams the job's events, then reads the final status;
 * `onChange(status)` hears every change.
 */
export function jobProgress(job, onChange = () => {}) {
  const bar = h('progress', { max: 1, value: 0, 'aria-label': `progress of job ${job.jobId}` });
  const text = h('span', { class: 'job-state' });
  // spans with list roles: the widget sits inside a <p> (the job page) and a table cell (the home page)
  const items = h('span', { class: 'job-items', role: 'list', hidden: true });
  const element = h('span', { class: 'job-progress' }, bar, ' ', text, items);
  let state = job.state ?? 'waiting';
  let counts = countsOf(job) ?? { done: 0, total: 0, failed: 0 };
  const paint = () => {
    bar.max = Math.max(1, counts.total);
    bar.value = Math.min(counts.done, bar.max);
    text.textContent = `${state} · ${counts.done}/${counts.total} items${counts.failed ? ` · ${counts.failed} failed` : ''}`;
    text.className = `job-state ${state === 'completed' ? 'ok' : state === 'failed' ? 'error' : ''}`;
    element.dataset.state = state;
  };
  // Running items that report their own progress: one line each, replaced by every status; none once it ends.
  const paintItems = (progress) => {
    const lines = TERMINAL.has(state) ? [] : progress;
    items.replaceChildren(
      ...lines.map((p) =>
        h(
          'span',
          { class: 'job-item', role: 'listitem', 'data-item': p.item },
          h('progress', {
            max: Math.max(1, p.total),
            value: Math.min(p.done, p.total),
            'aria-label': `progress of ${p.item}`,
          }),
          ` ${p.item}: ${p.message ?? `${p.stage} ${p.done}/${p.total}`}`,
        ),
      ),
    );
    items.hidden = lines.length === 0;
  };
  const update = (x) => {
    const c = countsOf(x);
    if (c) counts = { ...counts, ...c };
    // An item event's `state` is the item's, not the job's: it only tells that the job is running.
    if (x?.type === 'item') {
      if (!TERMINAL.has(state)) state = 'running';
    } else if (typeof x?.state === 'string') state = x.state;
    if (Array.isArray(x?.progress) || TERMINAL.has(state)) paintItems(Array.isArray(x?.progress) ? x.progress : []);
    paint();
    onChange({ state, counts, raw: x });
  };
  paint();
  const follow = async (signal) => {
    try {
      await followEvents(
        `/v1/jobs/${encodeURIComponent(job.jobId)}/events`,
        (e) => {
          if (e.json && typeof e.json === 'object') update(e.json);
          else if (TERMINAL.has(e.event)) update({ state: e.event });
        },
        signal,
      );
    } catch (e) {
      if (signal.aborted) return;
      text.textContent = `${state} (event stream lost: ${e.message})`;
    }
    if (signal.aborted) return;
    const final = await jobStatus(job.jobId, signal).catch(() => null);
    if (final) update(final);
    if (TERMINAL.has(state)) announce(`Job ${job.jobId} ${state}`);
  };
  return { element, follow, update };
}
