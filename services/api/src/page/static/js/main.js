/** The page's router: #/ (studies and jobs), #/studies/ID, #/jobs/ID, #/scores, #/submit. One view at a time. */
import { getKey, setKey } from './api.js';
import { errorText, h } from './dom.js';
import { renderKeyStatus } from './key-dialog.js';
import { renderHome } from './views/home.js';
import { renderJob } from './views/job.js';
import { renderScores } from './views/scores.js';
import { renderStudy } from './views/study.js';
import { renderSubmit } from './views/submit.js';

const routes = [
  [/^#?\/?$/, () => renderHome],
  [/^#\/studies\/([^/]+)$/, (m) => (view, signal) => renderStudy(view, decodeURIComponent(m[1]), signal)],
  [/^#\/jobs\/([^/]+)$/, (m) => (view, signal) => renderJob(view, decodeURIComponent(m[1]), signal)],
  [/^#\/scores$/, () => renderScores],
  [/^#\/submit$/, () => renderSubmit],
];

let current = null;

async function route() {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const view = document.getElementById('view');
  const hash = location.hash || '#/';
  for (const a of document.querySelectorAll('.top nav a')) {
    const target = a.getAttribute('href');
    const active = target === '#/' ? /^#\/?$|^#\/(studies|jobs)\//.test(hash) : hash.startsWith(target);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const match = routes.map(([re, make]) => [re.exec(hash), make]).find(([m]) => m);
  view.replaceChildren();
  try {
    if (!match) view.append(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the studies')));
    else await match[1](match[0])(view, controller.signal);
  } catch (e) {
    if (controller.signal.aborted) return;
    view.append(h('p', { class: 'error', role: 'alert' }, errorText(e)));
  }
}

function start() {
  const refreshKey = () => renderKeyStatus(getKey, setKey);
  document.addEventListener('concord:key', refreshKey);
  refreshKey();
  const figureDialog = document.getElementById('figure-dialog');
  document.getElementById('figure-close').addEventListener('click', () => figureDialog.close());
  window.addEventListener('hashchange', () => {
    void route().then(() => document.getElementById('view').focus({ preventScroll: true }));
  });
  void route();
}

start();
