import { defineConfig } from 'vitest/config';

/**
 * Tests run on the TypeScript sources: the `@concord/source` export condition (see scripts/build.mjs) picks each
 * package's src/ instead of its compiled dist/. Processes and worker threads the tests start with plain Node
 * (`node --import tsx ...`) get the same condition through NODE_OPTIONS (vitest passes resolve.conditions to its own
 * forks as --conditions flags).
 */
const sourceCondition = '--conditions=@concord/source';
const nodeOptions = process.env.NODE_OPTIONS ?? '';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: {
      NODE_OPTIONS: nodeOptions.includes(sourceCondition) ? nodeOptions : `${nodeOptions} ${sourceCondition}`.trim(),
    },
    reporters: ['default'],
  },
  resolve: { conditions: ['@concord/source', 'node'] },
  ssr: { resolve: { conditions: ['@concord/source', 'node'] } },
});
