/**
 * A lighter `concord serve` for tests that start and kill servers repeatedly: the same startServer, without
 * loading the CLI (which imports every package). Usage: node --import tsx child-serve.ts DATA_DIR [JSON_OPTIONS]
 */
import { startServer } from './server.ts';

const [dataDir, json] = process.argv.slice(2);
const server = await startServer({ dataDir, port: 0, threads: 0, ...(json ? JSON.parse(json) : {}) });
process.stderr.write(`listening on ${server.url}\n`);
await server.closed;
