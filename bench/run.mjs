#!/usr/bin/env node
// Runs every benchmark part (bench/*.bench.ts) one after another, so they do not compete for
// the two cores. Each part writes bench/results/<part>.json and prints a table.
// Usage: npm run bench [-- <part> ...] [--quick] [<a part's options>]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
// Leading words are part names; the rest goes to every part as given (`--cpu-rounds 5` as well as
// `--cpu-rounds=5`: a word after an option is that option's value, not a part).
const firstOption = args.findIndex((a) => a.startsWith('--'));
const wanted = firstOption === -1 ? args : args.slice(0, firstOption);
const flags = firstOption === -1 ? [] : args.slice(firstOption);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`No benchmark part named ${unknown.join(', ')} (parts: ${all.join(', ')}).`);
  process.exit(2);
}
const parts = all.filter((p) => wanted.length === 0 || wanted.includes(p));
const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit', cwd: join(here, '..') });
if (build.status !== 0) process.exit(build.status ?? 1);
let failed = 0;
for (const part of parts) {
  console.log(`\n## ${part}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${part}.bench.ts`), ...flags], { stdio: 'inherit', cwd: join(here, '..') });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
