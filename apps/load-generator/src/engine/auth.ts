import type { AuthInput } from '../contract/schemas.js';

/**
 * Logs in before a run and again, once, when a request sent with the current token comes back
 * 401 (an expired JWT): the new token is used from then on. A token that keeps failing is not
 * refreshed in a loop: each token triggers at most one re-login, at most one per second.
 */
export class TokenHelper {
  token: string | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly refreshedFor = new Set<string>();
  private lastRefresh = 0;

  constructor(
    private readonly auth: AuthInput,
    private readonly timeoutMs: number,
    private readonly onToken: (token: string) => void = () => {},
  ) {}

  async login(): Promise<string> {
    let res: Response;
    try {
      res = await fetch(this.auth.login_url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ email: this.auth.email, password: this.auth.password }),
        signal: AbortSignal.timeout(Math.min(this.timeoutMs, 30_000)),
        // Never: a redirect would carry the credentials to a host the allowlist did not check.
        redirect: 'manual',
      });
    } catch (err) {
      throw new Error(`login at ${this.auth.login_url} failed: ${(err as Error).message}`);
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw new Error(
        `login at ${this.auth.login_url} answered HTTP ${res.status} (a redirect${res.headers.get('location') ? ` to ${res.headers.get('location')}` : ''}); ` +
          'the load generator never follows a redirect with credentials: set auth.login_url to the final address',
      );
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`login at ${this.auth.login_url} failed: HTTP ${res.status} ${text.slice(0, 200)}`);
    let token: unknown;
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      token = body.token ?? body.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '') throw new Error(`login at ${this.auth.login_url} answered without a "token" field`);
    this.token = token;
    this.onToken(token);
    return token;
  }

  /** A request sent with `used` got 401. */
  unauthorized(used: string | undefined): void {
    if (this.refreshing || used === undefined || used !== this.token || this.refreshedFor.has(used)) return;
    if (Date.now() - this.lastRefresh < 1000) return;
    this.refreshedFor.add(used);
    this.lastRefresh = Date.now();
    this.refreshing = this.login()
      .then(() => undefined, () => undefined)
      .finally(() => {
        this.refreshing = undefined;
      });
  }
}
