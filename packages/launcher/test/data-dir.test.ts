import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@o11y/platform';
import { resetData, resolveDataRoot, unsafeToWipe } from '@o11y/launcher';

const tmp = mkdtempSync(join(tmpdir(), 'launcher-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function fixture(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'todo-api'), { recursive: true });
  writeFileSync(join(dir, 'todo-api', 'db'), 'data');
  return dir;
}

function io(interactive: boolean, answer?: string) {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => {
    text += d.toString();
    // Answer once the question is on screen, like a person would.
    if (answer !== undefined && text.includes('Type "yes"')) {
      input.write(answer + '\n');
      answer = undefined;
    }
  });
  return { io: { interactive, input, output }, text: () => text };
}

describe('resolveDataRoot', () => {
  it('flag, then O11Y_DATA_DIR, then <repo>/.data', () => {
    expect(resolveDataRoot('/a', { O11Y_DATA_DIR: '/b' })).toBe('/a');
    expect(resolveDataRoot(undefined, { O11Y_DATA_DIR: '/b' })).toBe('/b');
    expect(resolveDataRoot(undefined, {})).toBe(resolve(REPO_ROOT, '.data'));
    expect(resolveDataRoot('rel', {})).toBe(resolve(process.cwd(), 'rel'));
  });
});

describe('unsafeToWipe', () => {
  it('refuses the root, the home directory and the repository', () => {
    expect(unsafeToWipe('/')).toContain('root');
    expect(unsafeToWipe(homedir())).toContain('home');
    expect(unsafeToWipe(REPO_ROOT)).toContain('repository');
    expect(unsafeToWipe(resolve(REPO_ROOT, '.data'))).toBeUndefined();
  });
});

describe('resetData', () => {
  it('refuses without a terminal unless --yes', async () => {
    const dir = fixture('no-tty');
    const t = io(false);
    expect(await resetData(dir, false, t.io)).toBe('refused');
    expect(t.text()).toContain('--yes');
    expect(existsSync(join(dir, 'todo-api', 'db'))).toBe(true);
    expect(await resetData(dir, true, io(false).io)).toBe('wiped');
    expect(existsSync(dir)).toBe(false);
  });

  it('asks in a terminal: "yes" wipes, anything else keeps the data', async () => {
    const keep = fixture('keep');
    const no = io(true, 'no');
    expect(await resetData(keep, false, no.io)).toBe('cancelled');
    expect(no.text()).toContain('nothing was deleted');
    expect(existsSync(join(keep, 'todo-api', 'db'))).toBe(true);

    const yes = io(true, 'yes');
    expect(await resetData(keep, false, yes.io)).toBe('wiped');
    expect(existsSync(keep)).toBe(false);
  });

  it('says so when there is nothing to wipe, and never wipes the repository', async () => {
    expect(await resetData(join(tmp, 'absent'), true, io(false).io)).toBe('absent');
    expect(await resetData(REPO_ROOT, true, io(false).io)).toBe('refused');
    expect(existsSync(resolve(REPO_ROOT, 'package.json'))).toBe(true);
  });
});
