/** JSON from the portal's own API (same origin), with the server's `{error}` message on failure. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}

let onSignInNeeded: () => void = () => {};

/** Called whenever the API answers 401: the lab has a LAB_TOKEN and this browser has not signed in. */
export function whenSignInNeeded(handler: () => void): void {
  onSignInNeeded = handler;
}

export async function api<T>(path: string, init: RequestInit = {}, timeoutMs = 8000): Promise<T> {
  const res = await fetch(path, {
    ...init,
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.status === 401) onSignInNeeded();
  if (!res.ok) {
    const msg = body && typeof body === 'object' && 'error' in body ? String((body as { error: unknown }).error) : `HTTP ${res.status}`;
    throw new ApiError(msg, res.status, body);
  }
  return body as T;
}

/** Runs `fn` now and then every `ms`, never overlapping itself. */
export function every(ms: number, fn: () => Promise<void>): void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await fn();
    } finally {
      running = false;
    }
  };
  void tick();
  setInterval(() => void tick(), ms);
}
