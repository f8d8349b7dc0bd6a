import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/platform/{src,dist}/paths.*). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** Default data directory of an app in embedded mode: `<repo>/.data/<app>`. DATA_DIR overrides it. */
export function defaultDataDir(appId: string): string {
  return resolve(REPO_ROOT, '.data', appId);
}
