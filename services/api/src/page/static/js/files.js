/**
 * A study's files: download links (fetched with the API key when the service needs one) and a viewer for figures.
 * Served by GET /v1/studies/:id/files/PATH; nothing is embedded by URL, so a key never appears in one.
 */
import { fileUrl, getKey } from './api.js';
import { errorText, h } from './dom.js';

const KIND_LABEL = {
  report: 'report',
  table: 'table',
  figure: 'figure',
  network: 'ONNX network',
  stimuli: 'stimuli',
  other: 'file',
};

function filePath(studyId, path) {
  return `/v1/studies/${encodeURIComponent(studyId)}/files/${path.split('/').map(encodeURIComponent).join('/')}`;
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function download(studyId, path) {
  const url = await fileUrl(filePath(studyId, path));
  const a = h('a', { href: url, download: path.split('/').pop() });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Opens a figure (SVG/PNG) in the page's figure dialog, as an image (an SVG's scripts never run in an <img>). */
export async function openFigure(studyId, path, opener) {
  const dialog = document.getElementById('figure-dialog');
  const content = document.getElementById('figure-dialog-content');
  document.getElementById('figure-dialog-title').textContent = path;
  content.replaceChildren(h('p', {}, 'Loading…'));
  dialog.showModal();
  dialog.addEventListener('close', () => opener?.focus(), { once: true });
  try {
    const url = await fileUrl(filePath(studyId, path));
    content.replaceChildren(h('img', { src: url, alt: `figure ${path}` }));
  } catch (e) {
    content.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(e)));
  }
}

export function fileList(studyId, files) {
  const order = ['report', 'table', 'network', 'stimuli', 'figure', 'other'];
  const sorted = [...files].sort(
    (a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.path.localeCompare(b.path),
  );
  return h(
    'ul',
    { class: 'files', id: 'study-files' },
    sorted.map((f) => {
      const isFigure = /\.(svg|png)$/i.test(f.path);
      // Without keys a plain link works (and report.html finds its figures beside it); with keys the file is fetched.
      const link = getKey()
        ? h('button', { type: 'button', onclick: () => download(studyId, f.path) }, `Download ${f.path}`)
        : h(
            'a',
            { href: filePath(studyId, f.path), download: f.kind === 'report' ? false : f.path.split('/').pop() },
            f.path,
          );
      const view = isFigure
        ? h(
            'button',
            { type: 'button', class: 'view-figure', onclick: (e) => openFigure(studyId, f.path, e.currentTarget) },
            `View ${f.path}`,
          )
        : null;
      return h(
        'li',
        {},
        h('span', { class: 'tag' }, KIND_LABEL[f.kind] ?? f.kind),
        link,
        view,
        h('span', { class: 'muted' }, size(f.size)),
      );
    }),
  );
}
