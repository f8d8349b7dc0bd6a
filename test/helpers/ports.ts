import { mkdirSync, openSync, closeSync, statSync, utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Ports this process has handed out: the OS may offer a just-closed one again, which would give two services one port. */
const handedOut = new Set<number>();

function probe(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Ports handed out by any test process on this machine, one file each: vitest runs files in
 * separate workers, and two of them could probe the same free port before either bound it; the one
 * that lost then saw the winner answer its readiness check (CI saw a POST /api/register answered by
 * another file's stand-in). A reservation older than RESERVATION_MS is stale (a run long over).
 */
const RESERVATIONS = join(tmpdir(), 'o11y-test-ports');
const RESERVATION_MS = 15 * 60_000;

function reserve(port: number): boolean {
  mkdirSync(RESERVATIONS, { recursive: true });
  const file = join(RESERVATIONS, String(port));
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (Date.now() - statSync(file).mtimeMs < RESERVATION_MS) return false;
    const now = new Date();
    utimesSync(file, now, now);
    return true;
  }
}

/**
 * A TCP port that was free a moment ago on 127.0.0.1 and that no other test process reserved in
 * the last RESERVATION_MS (tests run side by side, so never hard-code one).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probe();
    if (!handedOut.has(port) && reserve(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
