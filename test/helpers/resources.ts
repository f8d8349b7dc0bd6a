import { expect, vi } from 'vitest';

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
 * and fails the test with what it is.
 */
export async function expectReleased(before: Record<string, number>, timeout = 5000): Promise<void> {
  await vi.waitFor(() => expect(leftBehind(before, activeResources())).toEqual({}), { timeout, interval: 50 });
}
