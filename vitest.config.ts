import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the workspace packages from source, so a change needs no rebuild.
    // A subpath comes before its package: the first alias that matches wins.
    alias: {
      '@o11y/platform/duration': src('./packages/platform/src/duration.ts'),
      '@o11y/platform': src('./packages/platform/src/index.ts'),
      '@o11y/telemetry': src('./packages/telemetry/src/index.ts'),
      '@o11y/stack': src('./packages/stack/src/index.ts'),
      '@o11y/launcher': src('./packages/launcher/src/index.ts'),
      '@o11y/load-generator/coordinator': src('./apps/load-generator/src/coordinator/index.ts'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time even on two cores (vitest's default there is one): most of the
    // suite's time is waiting (Prometheus evaluating rules, a drill's phases, processes starting),
    // not CPU, and the tests that measure timing tolerate a busy machine.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
