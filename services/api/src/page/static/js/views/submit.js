/**
 * Submit a study (JSON or YAML, typed or from a file) as a job: POST /v1/jobs, then follow it on its job page.
 * YAML is parsed here (the yaml package's browser build, served by the service) and sent as JSON.
 */
import { api } from '../api.js';
import { errorText, h } from '../dom.js';

async function parseStudy(text) {
  try {
    return JSON.parse(text);
  } catch {
    const { parse } = await import('/vendor/yaml/index.js');
    return parse(text);
  }
}

export async function renderSubmit(view) {
  const text = h('textarea', {
    id: 'study-text',
    name: 'study',
    rows: 18,
    spellcheck: 'false',
    'aria-describedby': 'study-hint',
  });
  const file = h('input', { id: 'study-file', type: 'file', accept: '.json,.yaml,.yml,application/json,text/yaml' });
  const message = h('div', { id: 'submit-message', role: 'status' });
  const button = h('button', { type: 'submit', class: 'primary', id: 'submit-study' }, 'Submit as a job');
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (f) text.value = await f.text();
  });
  const form = h(
    'form',
    {
      id: 'submit-form',
      onsubmit: async (e) => {
        e.preventDefault();
        message.replaceChildren();
        let study;
        try {
          study = await parseStudy(text.value);
          if (typeof study !== 'object' || study === null || Array.isArray(study))
            throw new Error('expected a study object ({"name": ..., ...})');
        } catch (err) {
          message.replaceChildren(
            h('p', { class: 'error', role: 'alert' }, `The study file is not valid JSON or YAML: ${errorText(err)}`),
          );
          return;
        }
        button.disabled = true;
        try {
          const reply = await api('/v1/jobs', { method: 'POST', body: study });
          const id = reply.id ?? reply.jobId;
          message.replaceChildren(h('p', { class: 'ok' }, `Job ${id} submitted.`));
          location.hash = `#/jobs/${encodeURIComponent(id)}`;
        } catch (err) {
          message.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(err)));
        } finally {
          button.disabled = false;
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'study-file' }, 'Study file (JSON or YAML)'), file),
    h('div', { class: 'field' }, h('label', { for: 'study-text' }, 'Study'), text),
    h(
      'p',
      { id: 'study-hint', class: 'hint' },
      "The same study file as `concord compare-models --config`; paths in it are read on the service's machine.",
    ),
    h('div', { class: 'buttons' }, button),
    message,
  );
  view.append(h('h1', {}, 'Submit a study'), form);
}
