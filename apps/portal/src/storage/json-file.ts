import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One JSON document in DATA_DIR, written atomically: each write goes to a temporary file that is
 * renamed over the old one, so a crash leaves the old or the new document, never half of one.
 * Writes are serialised (the last one wins, none interleave). A file that cannot be read is set
 * aside (`<name>.unreadable-<ms>`), not lost, and the store starts from `empty`.
 */
export class JsonFile<T> {
  private writing: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  /** Opens `<dir>/<name>` and reads it with `parse` (which throws on a document of the wrong shape). */
  static async open<T>(
    dir: string,
    name: string,
    parse: (json: unknown) => T,
    empty: () => T,
    warn: (msg: string) => void = () => undefined,
  ): Promise<{ file: JsonFile<T>; value: T }> {
    await mkdir(dir, { recursive: true });
    const file = new JsonFile<T>(join(dir, name));
    let text: string | undefined;
    try {
      text = await readFile(file.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text === undefined) return { file, value: empty() };
    try {
      return { file, value: parse(JSON.parse(text) as unknown) };
    } catch (err) {
      const aside = `${file.path}.unreadable-${Date.now()}`;
      await rename(file.path, aside);
      warn(`${file.path} could not be read (${(err as Error).message}); moved to ${aside}, starting empty`);
      return { file, value: empty() };
    }
  }

  /** Writes a snapshot of `value` (taken now), after the writes before it. */
  write(value: T): Promise<void> {
    const text = JSON.stringify(value);
    const next = this.writing.then(async () => {
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, text, 'utf8');
      await rename(tmp, this.path);
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** Waits for pending writes. */
  flush(): Promise<void> {
    return this.writing;
  }
}
