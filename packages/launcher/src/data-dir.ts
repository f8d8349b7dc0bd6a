import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, parse, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { REPO_ROOT } from '@o11y/platform';

/** Environment variable that relocates the data directory (tests use a temporary one). */
export const DATA_DIR_ENV = 'O11Y_DATA_DIR';

/** The data root: `--data-dir`, else O11Y_DATA_DIR, else `<repo>/.data`. Each app gets `<root>/<app>`. */
export function resolveDataRoot(flag: string | undefined, env: Record<string, string | undefined> = process.env): string {
  const chosen = flag ?? env[DATA_DIR_ENV];
  if (chosen && chosen.trim() !== '') return isAbsolute(chosen) ? chosen : resolve(process.cwd(), chosen);
  return resolve(REPO_ROOT, '.data');
}

/** Why a directory must never be wiped by --reset, or undefined when it may be. */
export function unsafeToWipe(dir: string): string | undefined {
  const abs = resolve(dir);
  if (abs === parse(abs).root) return 'it is the filesystem root';
  if (abs === resolve(homedir())) return 'it is your home directory';
  if (abs === REPO_ROOT || REPO_ROOT.startsWith(abs + '/')) return 'it contains the repository';
  return undefined;
}

export interface ResetIo {
  /** Whether a person can answer (stdin and stdout are a terminal). */
  interactive: boolean;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

export type ResetOutcome = 'wiped' | 'absent' | 'cancelled' | 'refused';

/**
 * Wipes the data directory after a confirmation. Without a terminal it refuses unless `yes`,
 * so a script can never wipe data by accident. Returns what happened; messages go to `io.output`.
 */
export async function resetData(dir: string, yes: boolean, io: ResetIo): Promise<ResetOutcome> {
  const say = (line: string) => io.output.write(line + '\n');
  const unsafe = unsafeToWipe(dir);
  if (unsafe) {
    say(`Refusing to wipe ${dir}: ${unsafe}.`);
    return 'refused';
  }
  if (!existsSync(dir)) {
    say(`Nothing to reset: ${dir} does not exist.`);
    return 'absent';
  }
  if (!yes) {
    if (!io.interactive) {
      say(`Refusing to wipe ${dir} without a terminal to confirm. Run with --yes to wipe it anyway.`);
      return 'refused';
    }
    const rl = createInterface({ input: io.input, output: io.output });
    let answer = '';
    try {
      answer = await rl.question(`This deletes every task, user, load run and metric in ${dir}. Type "yes" to continue: `);
    } finally {
      rl.close();
    }
    if (!/^y(es)?$/i.test(answer.trim())) {
      say('Cancelled; nothing was deleted.');
      return 'cancelled';
    }
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  say(`Wiped ${dir}. The next start creates fresh data (and the demo user again).`);
  return 'wiped';
}
