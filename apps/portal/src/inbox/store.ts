import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Notification } from '../shared/api.js';

export const INBOX_FILE = 'inbox.json';

/**
 * The alert inbox: the last `limit` notifications, newest first, kept in memory and on disk
 * (`<dataDir>/inbox.json`). Every change is written to a temporary file and renamed over the
 * old one, so a crash leaves either the old or the new list, never half of one; writes are
 * serialised so concurrent webhooks cannot interleave.
 */
export class InboxStore {
  private items: Notification[] = [];
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly limit: number,
  ) {}

  /** Opens the inbox in `dir`, reading what a previous run kept. An unreadable file is set aside, not lost. */
  static async open(dir: string, limit: number, warn: (msg: string) => void = () => undefined): Promise<InboxStore> {
    const store = new InboxStore(dir, limit);
    await mkdir(dir, { recursive: true });
    const file = join(dir, INBOX_FILE);
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== undefined) {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (!Array.isArray(parsed)) throw new Error('not an array');
        store.items = (parsed as Notification[]).slice(0, limit);
      } catch (err) {
        const aside = `${file}.unreadable-${Date.now()}`;
        await rename(file, aside);
        warn(`inbox file ${file} could not be read (${(err as Error).message}); moved to ${aside}, starting empty`);
      }
    }
    return store;
  }

  /** Newest first. */
  list(): Notification[] {
    return this.items;
  }

  /** Adds notifications (given oldest first) and persists the trimmed list. */
  add(notifications: Notification[]): Promise<void> {
    this.items = [...[...notifications].reverse(), ...this.items].slice(0, this.limit);
    const snapshot = JSON.stringify(this.items);
    const next = this.writing.then(() => this.write(snapshot));
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** Waits for pending writes. */
  flush(): Promise<void> {
    return this.writing;
  }

  private async write(text: string): Promise<void> {
    const file = join(this.dir, INBOX_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, file);
  }
}
