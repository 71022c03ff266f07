/** One job: its status, live progress and event log, cancel, and — once completed — its study and results. */
import { api } from '../api.js';
import { errorText, h } from '../dom.js';
import { jobProgress, jobStatus, TERMINAL } from '../jobs.js';

const MAX_LOG = 200;

export async function renderJob(view, id, signal) {
  view.append(h('h1', {}, `Job ${id}`));
  const status = await jobStatus(id, signal);
  const log = h('ol', { class: 'events', 'aria-label': 'events' });
  const links = h('div', { id: 'job-links' });
  const cancel = h('button', { type: 'button', id: 'job-cancel' }, 'Cancel job');
  const details = h('dl', { class: 'status' });
  const showDetails = (s) => {
    details.replaceChildren(
      ...Object.entries({
        study: s.study ?? '–',
        submitted: s.created ? new Date(s.created).toLocaleString() : '–',
        state: s.state,
        items: s.items
          ? `${s.items.done} done, ${s.items.running} running, ${s.items.waiting} waiting, ${s.items.failed} failed, ${s.items.retried} retried (of ${s.items.total})`
          : '–',
      }).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]),
      ...(s.failures?.length
        ? [
            h('dt', {}, 'failures'),
            h(
              'dd',
              {},
              h(
                'ul',
                {},
                s.failures.map((f) => h('li', { class: 'error' }, `${f.item} (${f.attempts} attempts): ${f.error}`)),
              ),
            ),
          ]
        : []),
    );
  };
  const finished = (state) => {
    cancel.disabled = true;
    if (state !== 'completed') return;
    links.replaceChildren(
      h(
        'p',
        {},
        h('a', { href: `#/studies/${encodeURIComponent(`job-${id}`)}`, id: 'job-study-link' }, 'Open the study page'),
        ' · ',
        h('button', { type: 'button', onclick: () => downloadResults(id) }, 'Download results.json'),
      ),
    );
  };
  const progress = jobProgress(status, (change) => {
    if (change.raw && log.children.length < MAX_LOG) log.append(h('li', {}, eventText(change.raw)));
    if (change.raw?.items) showDetails(change.raw);
    if (TERMINAL.has(change.state)) finished(change.state);
  });
  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      await api(`/v1/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' });
    } catch (e) {
      cancel.disabled = false;
      links.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(e)));
    }
  });
  showDetails(status);
  view.append(
    h('p', { id: 'job-progress' }, progress.element),
    details,
    h('div', { class: 'buttons' }, cancel),
    links,
    h('h2', {}, 'Events'),
    log,
  );
  if (TERMINAL.has(status.state)) finished(status.state);
  else await progress.follow(signal);
}

/** One line per event: an item's new state, or the job's status. */
function eventText(e) {
  const time = new Date().toLocaleTimeString();
  if (e.type === 'item') {
    const attempt = e.attempt > 1 ? ` (attempt ${e.attempt})` : '';
    return `${time}  item ${e.item}: ${e.state}${attempt}${e.error ? ` — ${e.error}` : ''} · ${e.done}/${e.total} items done`;
  }
  if (e.items) return `${time}  job ${e.state} · ${e.items.done}/${e.items.total} items done`;
  return `${time}  ${JSON.stringify(e)}`;
}

async function downloadResults(id) {
  const results = await api(`/v1/jobs/${encodeURIComponent(id)}/results`);
  const url = URL.createObjectURL(new Blob([JSON.stringify(results, null, 2)], { type: 'application/json' }));
  const a = h('a', { href: url, download: `results-${id}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
