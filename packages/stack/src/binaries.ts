import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * The first of `names` found as an executable file on PATH (or as an absolute path), else undefined.
 * Alertmanager is `prometheus-alertmanager` on Debian and `alertmanager` elsewhere, so callers pass both.
 */
export function findBinary(names: readonly string[], pathEnv: string | undefined = process.env.PATH): string | undefined {
  const dirs = (pathEnv ?? '').split(delimiter).filter((d) => d !== '');
  for (const name of names) {
    const candidates = isAbsolute(name) ? [name] : dirs.map((d) => join(d, name));
    for (const file of candidates) {
      if (isExecutableFile(file)) return file;
    }
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The names each binary goes by, in the order they are tried. */
export const BINARY_NAMES = {
  prometheus: ['prometheus'],
  alertmanager: ['prometheus-alertmanager', 'alertmanager'],
  promtool: ['promtool'],
  amtool: ['amtool'],
} as const;
