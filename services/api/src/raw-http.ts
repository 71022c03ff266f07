/**
 * Test helper: send one request exactly as written (request line, headers, body) over a TCP socket and read the
 * status line of the answer. `fetch` and `inject` normalise URLs (dot segments, absolute form), which is exactly
 * what a hostile client does not do.
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

export function rawRequest(port: number, text: string | Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms to ${String(text).split('\r\n')[0]}`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('latin1');
      const split = all.indexOf('\r\n\r\n');
      const head = split < 0 ? all : all.slice(0, split);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (!m)
        reject(
          new Error(`not an HTTP answer to ${String(text).split('\r\n')[0]}: ${JSON.stringify(all.slice(0, 200))}`),
        );
      else resolve({ status: Number(m[1]), head, body: split < 0 ? '' : all.slice(split + 4) });
    });
    socket.write(text);
  });
}

/** A complete request with `Connection: close`. */
export function requestText(method: string, target: string, headers: Record<string, string> = {}, body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (method !== 'GET' && method !== 'HEAD') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
