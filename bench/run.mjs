#!/usr/bin/env node
// Runs every benchmark part (bench/*.bench.ts) one after another, so they do not compete for
// the two cores. Each part writes bench/results/<part>.json and prints a table.
// Usage: npm run bench [-- <part> ...] [-- --quick]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const wanted = args.filter((a) => !a.startsWith('--'));
const parts = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .filter((p) => wanted.length === 0 || wanted.includes(p));
if (parts.length === 0) {
  console.error(`No benchmark part matches ${wanted.join(', ')}.`);
  process.exit(2);
}
const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit', cwd: join(here, '..') });
if (build.status !== 0) process.exit(build.status ?? 1);
let failed = 0;
for (const part of parts) {
  console.log(`\n## ${part}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${part}.bench.ts`), ...flags], { stdio: 'inherit', cwd: join(here, '..') });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
