import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'bench/**/*.test.ts'],
    // Child processes rather than worker threads: native addons (opus, DAVE) and real sockets per file.
    pool: 'forks',
    // node:sqlite still prints an ExperimentalWarning on Node 22; npm start silences it the same way.
    execArgv: ['--disable-warning=ExperimentalWarning'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real-time audio tests measure timing loosely; two files at once keeps a 2-core machine responsive.
    maxWorkers: 2,
  },
});
