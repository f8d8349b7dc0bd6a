// Bundles the portal's browser client (src/ui) into dist/public: app.js (esbuild), index.html and
// styles.css copied as they are. No CDN: everything the page needs is served by the portal.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const ui = join(appDir, 'src', 'ui');
const out = join(appDir, 'dist', 'public');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(ui, 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
await Promise.all(['index.html', 'styles.css'].map((f) => copyFile(join(ui, f), join(out, f))));
console.log(`portal page built into ${out}`);
