import { Agent, fetch as undiciFetch } from 'undici';

/** fetch with the signature the portal's modules use (the global one by default). */
export type Fetch = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal; redirect?: 'manual' | 'follow' }) => Promise<Response>;

export interface Outbound {
  fetch: Fetch;
  /** Closes every connection the portal opened; pending requests fail. */
  close(): Promise<void>;
}

/**
 * The portal's outgoing HTTP (health probes, Alertmanager, the load generator's scenario API, page
 * discovery): one keep-alive pool the app owns and closes with itself, rather than the process-wide
 * pool of the global fetch, whose idle sockets would outlive `app.close()`.
 */
export function createOutbound(): Outbound {
  const agent = new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 10_000 });
  return {
    fetch: (url, init) => undiciFetch(url, { ...init, dispatcher: agent }) as unknown as Promise<Response>,
    close: () => agent.close(),
  };
}
