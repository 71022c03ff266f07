/**
 * startServer: build the app and listen (127.0.0.1 unless told otherwise). SIGTERM/SIGINT close it gracefully:
 * no new connections, in-flight requests finish, workers stop, the database is closed.
 */
import type { FastifyInstance } from 'fastify';
import { type AppOptions, buildApp } from './app.ts';
import { ApiError } from './errors.ts';

export interface ServerOptions extends AppOptions {
  host?: string;
  port?: number;
  /** Install SIGTERM/SIGINT handlers that close the server. Default true. */
  handleSignals?: boolean;
}

export interface RunningServer {
  app: FastifyInstance;
  /** http://HOST:PORT (the real port when 0 was asked). */
  url: string;
  host: string;
  port: number;
  /** Resolves when the server has closed (after a signal or close()). */
  closed: Promise<void>;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const app = await buildApp(options);
  try {
    await app.listen({ host, port: options.port ?? 8080 });
  } catch (e) {
    await app.close();
    const code = (e as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      // The caller's fault (a flag), not an internal failure: the CLI exits 2 with this one line.
      throw new ApiError(
        400,
        'ERR_API_LISTEN',
        `--host/--port: cannot listen on ${host}:${options.port ?? 8080} (${code})`,
        { field: 'port' },
      );
    }
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (options.port ?? 8080);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= app.close().then(() => {
      if (options.handleSignals !== false) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
      resolveClosed();
    });
    return closing;
  };
  const onSignal = () => {
    void close();
  };
  if (options.handleSignals !== false) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${shownHost}:${port}`, host, port, closed, close };
}
