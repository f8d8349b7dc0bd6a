// Builds the load generator's web page into dist/public: one JS bundle (uPlot included), one CSS
// bundle (uPlot's and ours), index.html and the icon. No CDN: the page works offline.
// Files are built into a scratch folder and renamed into place, so a server (or a test running
// beside this build) never reads a half-written file.
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(appDir, 'dist/public');
const scratch = resolve(appDir, `dist/.public-${process.pid}`);
rmSync(scratch, { recursive: true, force: true });
mkdirSync(scratch, { recursive: true });

try {
  await build({
    absWorkingDir: appDir,
    entryPoints: { app: 'src/ui/client/main.ts' },
    bundle: true,
    outdir: scratch,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  copyFileSync(resolve(appDir, 'src/ui/static/index.html'), join(scratch, 'index.html'));
  copyFileSync(resolve(appDir, 'src/ui/static/favicon.svg'), join(scratch, 'favicon.svg'));
  mkdirSync(outdir, { recursive: true });
  // Assets first, the page last: a page is never served before the files it names.
  const files = readdirSync(scratch).sort((a, b) => (a === 'index.html') - (b === 'index.html'));
  for (const f of files) renameSync(join(scratch, f), join(outdir, f));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`load-generator UI built into ${outdir}`);
