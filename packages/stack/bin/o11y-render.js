#!/usr/bin/env node
// npm links a package's bins when it installs, before `npm run build` has made dist/, so the
// link points at this committed file, which runs the built CLI.
try {
  await import('../dist/cli.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    console.error('o11y-render is not built yet: run `npm run build` in the repository first.');
    process.exit(2);
  }
  throw err;
}
