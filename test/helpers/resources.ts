import { expect } from 'vitest';

/**
 * Kinds of `process.getActiveResourcesInfo()` entries that are requests in passing, not things an
 * app keeps: a handle being closed (CloseReq), a file-system or DNS request in flight (vitest and
 * pino write files; loggers flush), a pending setImmediate. They come and go with whatever else
 * the test process is doing, so they are not counted. Timers (Timeout), sockets (TCPSocketWrap),
 * servers (TCPServerWrap) and worker threads (MessagePort, Worker) are: those are what leaks.
 */
const IN_PASSING = new Set(['CloseReq', 'FSReqCallback', 'FSReqPromise', 'FileHandleCloseReq', 'GetAddrInfoReqWrap', 'Immediate', 'ShutdownWrap', 'WriteWrap']);

/** The resources that keep this process alive, counted by kind (in-passing kinds left out). */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (!IN_PASSING.has(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/**
 * The resources this process holds when nothing is in passing: the fewest of each kind over a few
 * looks 50 ms apart. The test runner itself arms short timers now and then (vitest batches its
 * task updates behind a setTimeout); a baseline that caught one would hide a timer leaked later.
 */
export async function baseline(looks = 6): Promise<Record<string, number>> {
  let min = activeResources();
  for (let i = 1; i < looks; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const now = activeResources();
    const next: Record<string, number> = {};
    for (const kind of Object.keys(min)) next[kind] = Math.min(min[kind] ?? 0, now[kind] ?? 0);
    min = next;
  }
  return Object.fromEntries(Object.entries(min).filter(([, n]) => n > 0));
}

/** What `after` holds beyond `before`, by kind ({} when nothing was left behind). */
export function leftBehind(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [kind, n] of Object.entries(after)) {
    if (n > (before[kind] ?? 0)) extra[kind] = n - (before[kind] ?? 0);
  }
  return extra;
}

/**
 * Waits (bounded) until nothing beyond `before` is active: sockets and servers take a turn or
 * two of the event loop to finish closing, while a timer or socket that was never released stays,
 * and fails the test with what it is. (Not vi.waitFor: its own timeout and interval timers would be
 * counted as Timeouts left behind. Each pause here has fired before the next look.)
 */
export async function expectReleased(before: Record<string, number>, timeoutMs = 2000): Promise<void> {
  let extra = leftBehind(before, activeResources());
  for (let waited = 0; Object.keys(extra).length > 0 && waited < timeoutMs; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
    extra = leftBehind(before, activeResources());
  }
  expect(extra).toEqual({});
}
