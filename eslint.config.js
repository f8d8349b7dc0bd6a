import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.data/**', 'test-results/**', 'bench/results/**', '**/public/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', performance: 'readonly', structuredClone: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly', document: 'readonly', window: 'readonly', localStorage: 'readonly', navigator: 'readonly', EventSource: 'readonly', WebSocket: 'readonly', HTMLElement: 'readonly', HTMLInputElement: 'readonly', HTMLSelectElement: 'readonly', HTMLTextAreaElement: 'readonly', Event: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Dependencies point one way in the load generator: the contract is a leaf (the page bundles it),
  // the engine never reaches up into its HTTP layer, the page talks to the server only over HTTP.
  {
    files: ['apps/load-generator/src/contract/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../*', 'node:*'], message: 'src/contract is a leaf: only TypeBox and @o11y/platform/duration.' }] }] },
  },
  {
    files: ['apps/load-generator/src/engine/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../api/*', '../ui/*', '../cli/*'], message: 'The engine never imports its HTTP layer, UI or CLI: shared types live in src/contract.' }] }] },
  },
  {
    files: ['apps/load-generator/src/ui/client/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/engine/*', '**/api/*', '**/cli/*', 'node:*'], message: 'The page shares only src/contract with the server.' }] }] },
  },
);
