/** Studies (GET /v1/studies) and jobs (GET /v1/jobs) with live progress from each running job's event stream. */
import { ApiFailure, api } from '../api.js';
import { errorText, fmt, h, tableWrap } from '../dom.js';
import { jobList, jobProgress, TERMINAL } from '../jobs.js';

export async function renderHome(view, signal) {
  view.append(h('h1', {}, 'Studies and jobs'));
  const studiesBox = h('section', { 'aria-labelledby': 'studies-title' }, h('h2', { id: 'studies-title' }, 'Studies'));
  const jobsBox = h('section', { 'aria-labelledby': 'jobs-title' }, h('h2', { id: 'jobs-title' }, 'Jobs'));
  view.append(studiesBox, jobsBox);
  await Promise.all([renderStudies(studiesBox, signal), renderJobs(jobsBox, signal)]);
}

async function renderStudies(box, signal) {
  let studies;
  try {
    studies = (await api('/v1/studies', { signal })).studies;
  } catch (e) {
    box.append(h('p', { class: 'error', role: 'alert' }, `Studies could not be listed: ${errorText(e)}`));
    return;
  }
  if (studies.length === 0) {
    box.append(
      h('p', { class: 'muted' }, 'No studies yet. Start the service with --studies DIR, or submit a study as a job.'),
    );
    return;
  }
  box.append(
    tableWrap(
      'Studies',
      {},
      h(
        'table',
        { id: 'studies-table' },
        h('caption', {}, `${studies.length} ${studies.length === 1 ? 'study' : 'studies'}, newest first`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Study', 'Kind', 'Profile', 'Rows', 'From', 'Written'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          studies.map((s) =>
            h(
              'tr',
              {},
              h('td', {}, h('a', { href: `#/studies/${encodeURIComponent(s.id)}` }, s.name)),
              h('td', {}, s.kind === 'learning-rules' ? 'learning rules' : 'simulated / networks'),
              h('td', {}, s.profile ?? '–'),
              h('td', { class: 'num' }, fmt(s.rowCount)),
              h(
                'td',
                {},
                s.jobId ? h('a', { href: `#/jobs/${encodeURIComponent(s.jobId)}` }, `job ${s.jobId}`) : 'folder',
              ),
              h('td', {}, new Date(s.modified).toLocaleString()),
            ),
          ),
        ),
      ),
    ),
  );
}

async function renderJobs(box, signal) {
  let jobs;
  try {
    jobs = await jobList(signal);
  } catch (e) {
    const text = e instanceof ApiFailure && e.status === 404 ? 'This service runs no jobs.' : errorText(e);
    box.append(h('p', { class: 'muted' }, text));
    return;
  }
  if (jobs.length === 0) {
    box.append(h('p', { class: 'muted' }, 'No jobs. ', h('a', { href: '#/submit' }, 'Submit a study'), '.'));
    return;
  }
  const rows = jobs.map((job) => {
    const progress = jobProgress(job);
    const row = h(
      'tr',
      {},
      h('td', {}, h('a', { href: `#/jobs/${encodeURIComponent(job.jobId)}` }, job.jobId)),
      h('td', {}, job.study ?? '–'),
      h('td', {}, job.created ? new Date(job.created).toLocaleString() : '–'),
      h('td', {}, progress.element),
      h(
        'td',
        {},
        job.state === 'completed'
          ? h('a', { href: `#/studies/${encodeURIComponent(`job-${job.jobId}`)}` }, 'results')
          : job.failures?.length
            ? h('span', { class: 'error' }, `${job.failures.length} failed item${job.failures.length === 1 ? '' : 's'}`)
            : '–',
      ),
    );
    if (!TERMINAL.has(job.state)) progress.follow(signal);
    return row;
  });
  box.append(
    tableWrap(
      'Jobs',
      {},
      h(
        'table',
        { id: 'jobs-table' },
        h('caption', {}, `${jobs.length} ${jobs.length === 1 ? 'job' : 'jobs'}`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Job', 'Study', 'Submitted', 'Progress', 'Study page'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
  );
}
