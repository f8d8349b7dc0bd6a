import { JsonFile } from '../storage/json-file.js';
import type { SessionRecord } from './session.js';

export const HISTORY_FILE = 'drills.json';
/** Sessions kept, newest first. */
export const HISTORY_LIMIT = 200;

interface HistoryDocument {
  version: 1;
  sessions: SessionRecord[];
}

/**
 * Every drill session, newest first, in `<DATA_DIR>/drills.json` (atomic writes): the running one
 * with its truth (so a restarted portal can clear its fault), and the finished ones with their
 * results (the history and scoreboard survive restarts).
 */
export class DrillHistory {
  private constructor(
    private readonly file: JsonFile<HistoryDocument>,
    private sessions: SessionRecord[],
  ) {}

  static async open(dir: string, warn: (msg: string) => void = () => undefined): Promise<DrillHistory> {
    const parse = (json: unknown): HistoryDocument => {
      const doc = json as Partial<HistoryDocument> | null;
      if (!doc || doc.version !== 1 || !Array.isArray(doc.sessions)) throw new Error('not a version 1 drill history');
      return { version: 1, sessions: doc.sessions.filter((s) => s && typeof s.id === 'string' && s.generated) };
    };
    const { file, value } = await JsonFile.open(dir, HISTORY_FILE, parse, () => ({ version: 1 as const, sessions: [] }), (msg) => warn(`drill history: ${msg}`));
    return new DrillHistory(file, value.sessions);
  }

  /** Newest first. */
  list(): readonly SessionRecord[] {
    return this.sessions;
  }

  find(id: string): SessionRecord | undefined {
    return this.sessions.find((s) => s.id === id);
  }

  /** Adds a session or saves its changes (records are changed in place), then persists. */
  save(record: SessionRecord): Promise<void> {
    if (!this.sessions.includes(record)) this.sessions = [record, ...this.sessions.filter((s) => s.id !== record.id)].slice(0, HISTORY_LIMIT);
    return this.file.write({ version: 1, sessions: this.sessions });
  }

  flush(): Promise<void> {
    return this.file.flush();
  }
}
