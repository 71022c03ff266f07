/** The API-key prompt (a modal <dialog>): one at a time, however many requests got a 401 at once. */
import { h } from './dom.js';

let pending = null;

/** Resolves to the key typed, or null when cancelled. */
export function askForKey(message) {
  if (pending) return pending;
  const dialog = document.getElementById('key-dialog');
  const form = document.getElementById('key-form');
  const input = document.getElementById('key-input');
  const text = document.getElementById('key-dialog-message');
  const cancel = document.getElementById('key-cancel');
  text.textContent = message ?? 'This service requires an API key. Ask its operator for one (concord api-key create).';
  input.value = '';
  pending = new Promise((resolve) => {
    const done = (value) => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      pending = null;
      resolve(value);
    };
    const onSubmit = (e) => {
      e.preventDefault();
      done(input.value.trim() || null);
    };
    const onCancel = (e) => {
      e.preventDefault();
      done(null);
    };
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    input.focus();
  });
  return pending;
}

/** The header's "key in use / forget key" line. */
export function renderKeyStatus(getKey, setKey) {
  const box = document.getElementById('key-status');
  box.replaceChildren();
  if (getKey())
    box.append(
      h('span', {}, 'API key in use'),
      h('button', { type: 'button', onclick: () => setKey(null) }, 'Forget key'),
    );
}
