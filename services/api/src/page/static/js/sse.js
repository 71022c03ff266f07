/**
 * Server-sent events over fetch (EventSource cannot send the Authorization header): the stream is parsed by the
 * text/event-stream rules — blocks separated by a blank line, `event:`, `data:` (joined by newlines), `id:` fields.
 */
import { api } from './api.js';

export function parseEventBlock(block) {
  const event = { event: 'message', data: '', id: null };
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') event.event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') event.id = value;
  }
  event.data = data.join('\n');
  return data.length > 0 || event.event !== 'message' ? event : null;
}

/** Calls onEvent({event, data, json}) for each event until the stream ends or `signal` aborts. */
export async function followEvents(path, onEvent, signal) {
  const res = await api(path, { raw: true, headers: { accept: 'text/event-stream' }, signal });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let m = /\r?\n\r?\n/.exec(buffer); m; m = /\r?\n\r?\n/.exec(buffer)) {
        const block = buffer.slice(0, m.index);
        buffer = buffer.slice(m.index + m[0].length);
        const event = parseEventBlock(block);
        if (!event) continue;
        let json = null;
        try {
          json = JSON.parse(event.data);
        } catch {
          // not JSON: passed on as text
        }
        onEvent({ ...event, json });
      }
    }
  } catch (e) {
    if (signal?.aborted) return;
    throw e;
  } finally {
    reader.releaseLock();
  }
}
