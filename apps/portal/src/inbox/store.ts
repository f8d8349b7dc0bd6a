import type { Notification } from '../shared/api.js';
import { JsonFile } from '../storage/json-file.js';

export const INBOX_FILE = 'inbox.json';

/**
 * The alert inbox: the last `limit` notifications, newest first, kept in memory and on disk
 * (`<dataDir>/inbox.json`, written atomically by JsonFile, so concurrent webhooks cannot interleave
 * and a crash never leaves half a list).
 */
export class InboxStore {
  private constructor(
    private readonly file: JsonFile<Notification[]>,
    private items: Notification[],
    private readonly limit: number,
  ) {}

  /** Opens the inbox in `dir`, reading what a previous run kept. An unreadable file is set aside, not lost. */
  static async open(dir: string, limit: number, warn: (msg: string) => void = () => undefined): Promise<InboxStore> {
    const parse = (json: unknown) => {
      if (!Array.isArray(json)) throw new Error('not an array');
      return (json as Notification[]).slice(0, limit);
    };
    const { file, value } = await JsonFile.open(dir, INBOX_FILE, parse, () => [], (msg) => warn(`inbox: ${msg}`));
    return new InboxStore(file, value, limit);
  }

  /** Newest first. */
  list(): Notification[] {
    return this.items;
  }

  /** Adds notifications (given oldest first) and persists the trimmed list. */
  add(notifications: Notification[]): Promise<void> {
    this.items = [...[...notifications].reverse(), ...this.items].slice(0, this.limit);
    return this.file.write(this.items);
  }

  /** Waits for pending writes. */
  flush(): Promise<void> {
    return this.file.flush();
  }
}
