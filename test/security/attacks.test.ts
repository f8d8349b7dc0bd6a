/**
 * The attack suite: every control of docs/security.md tried the way an outsider would, against the
 * real apps (built in-process, listening on 127.0.0.1). Each row is its own test and the table of
 * all rows (attack → status → expected) is printed at the end.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_SESSION_COOKIE } from '@o11y/platform';
import { writeStackConfig } from '@o11y/stack';
import { REPO_ROOT } from '../helpers/process.ts';
import {
  ADMIN_TOKEN,
  ALERT_WEBHOOK_TOKEN,
  DEMO,
  LAB_TOKEN,
  MAX_RATE,
  rawRequest,
  rawSocket,
  slowBody,
  slowClient,
  slowHeaders,
  startLab,
  type Lab,
} from './lab.ts';

interface Row {
  app: string;
  attack: string;
  status: string;
  expected: string;
}
const rows: Row[] = [];
let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab?.close();
  const w = (k: keyof Row) => Math.max(k.length, ...rows.map((r) => r[k].length));
  const cells = (r: Row, verdict: string) => `| ${r.app.padEnd(w('app'))} | ${r.attack.padEnd(w('attack'))} | ${r.status.padEnd(w('status'))} | ${r.expected.padEnd(w('expected'))} | ${verdict} |`;
  const held = rows.filter((r) => r.status === r.expected).length;
  console.log(
    [
      '',
      `Attack suite: ${held} of ${rows.length} refusals held`,
      cells({ app: 'app', attack: 'attack', status: 'status', expected: 'expected' }, 'held'),
      ...rows.map((r) => cells(r, r.status === r.expected ? 'yes' : 'NO')),
    ].join('\n'),
  );
});

/** One row: runs the attack, records what came back, and asserts it is what the control promises. */
function attack(app: string, name: string, expected: string | number, run: () => Promise<string | number>): void {
  it(`${app}: ${name} → ${expected}`, async () => {
    let status = 'threw';
    try {
      status = String(await run());
    } finally {
      rows.push({ app, attack: name, status, expected: String(expected) });
    }
    expect(status).toBe(String(expected));
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const lab_ = () => bearer(LAB_TOKEN);
const json = { 'content-type': 'application/json' };

async function call(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(15_000), ...init });
}
async function status(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<number> {
  const res = await call(url, init);
  await res.body?.cancel();
  return res.status;
}
async function body<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

const run = (url: string, extra: Record<string, unknown> = {}) => JSON.stringify({ target: { method: 'GET', url }, rate: 5, duration: 1, ...extra });

async function startRun(payload: string): Promise<Response> {
  return call(`${lab.loadgen.url}/api/runs`, { method: 'POST', headers: { ...lab_(), ...json }, body: payload });
}

/** Waits (bounded) for a run to end and returns its summary. */
async function finished(id: string): Promise<Record<string, unknown>> {
  let summary: Record<string, unknown> = {};
  await expect
    .poll(
      async () => {
        summary = await body(await call(`${lab.loadgen.url}/api/runs/${id}`, { headers: lab_() }));
        return summary.state;
      },
      { timeout: 20_000, interval: 200 },
    )
    .not.toBe('running');
  return summary;
}

async function faultsNow(): Promise<Record<string, unknown>> {
  return body(await call(`${lab.todo.url}/api/faults`));
}

const webhookPayload = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: '4',
    status: 'firing',
    alerts: [{ status: 'firing', labels: { alertname: 'SecurityTest', severity: 'info' }, annotations: { summary: 'attack suite' }, startsAt: new Date().toISOString() }],
    ...extra,
  });

describe('DNS rebinding: a Host that is not one of the lab names', () => {
  // What a page on rebound.evil.example sends once its name resolves to 127.0.0.1: its own Host.
  const withHost = async (port: number, path: string, host: string, extra: { method?: string; headers?: Record<string, string>; body?: string } = {}) => {
    const res = await rawRequest(port, { path, ...extra, headers: { ...extra.headers, host } });
    if (res.status === 403) expect(res.body).toContain('ALLOWED_HOSTS');
    return res.status;
  };
  attack('portal', 'GET /api/alerts/inbox with the token, Host: rebound.evil.example', 403, () => withHost(lab.portal.port, '/api/alerts/inbox', 'rebound.evil.example', { headers: lab_() }));
  attack('portal', 'GET / (the page), Host: rebound.evil.example', 403, () => withHost(lab.portal.port, '/', 'rebound.evil.example'));
  attack('load-generator', 'GET /api/runs with the token, Host: rebound.evil.example:8081', 403, () => withHost(lab.loadgen.port, '/api/runs', 'rebound.evil.example:8081', { headers: lab_() }));
  attack('todo-api', 'PUT /api/faults with the admin token, Host: rebound.evil.example', 403, () =>
    withHost(lab.todo.port, '/api/faults', 'rebound.evil.example', { method: 'PUT', headers: { ...bearer(ADMIN_TOKEN), ...json }, body: '{"cpu_burn":{"ms":50}}' }),
  );
  attack('load-generator', 'a Host with user info: evil@localhost', 403, () => withHost(lab.loadgen.port, '/api/runs', 'evil@localhost', { headers: lab_() }));
  attack('todo-api', 'data plane stays open: GET /api/ping, Host: 203.0.113.9:4000 (by IP)', 200, () => withHost(lab.todo.port, '/api/ping', '203.0.113.9:4000'));
  attack('portal', 'data plane stays open: GET /metrics, Host: 203.0.113.9', 200, () => withHost(lab.portal.port, '/metrics', '203.0.113.9'));
  attack('portal', 'the lab by a compose service name: GET /api/alerts/inbox, Host: portal:8000', 200, () => withHost(lab.portal.port, '/api/alerts/inbox', 'portal:8000', { headers: lab_() }));
});

describe('cross-site requests: an Origin that is not the lab', () => {
  attack('load-generator', 'POST /api/runs with the token, Origin: https://evil.example', 403, () =>
    status(`${lab.loadgen.url}/api/runs`, { method: 'POST', headers: { ...lab_(), ...json, origin: 'https://evil.example' }, body: run(`${lab.target.url}/x`) }),
  );
  attack('load-generator', 'POST /api/runs, Origin: null (sandboxed frame)', 403, () =>
    status(`${lab.loadgen.url}/api/runs`, { method: 'POST', headers: { ...lab_(), ...json, origin: 'null' }, body: run(`${lab.target.url}/x`) }),
  );
  attack('portal', 'POST /api/scenarios/smoke/run, Origin: https://evil.example', 403, () =>
    status(`${lab.portal.url}/api/scenarios/smoke/run`, { method: 'POST', headers: { ...lab_(), ...json, origin: 'https://evil.example' }, body: '{}' }),
  );
  attack('todo-api', 'DELETE /api/faults with the admin token, Origin: https://evil.example', 403, () =>
    status(`${lab.todo.url}/api/faults`, { method: 'DELETE', headers: { ...bearer(ADMIN_TOKEN), origin: 'https://evil.example' } }),
  );
  attack('load-generator', "cross-site form POST (urlencoded, Origin: https://evil.example, the browser's cookie)", 403, () =>
    status(`${lab.loadgen.url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', cookie: `${LAB_SESSION_COOKIE}=whatever` },
      body: 'rate=50000&duration=1h',
    }),
  );
  attack('portal', 'login CSRF: POST /login with the right token from Origin: https://evil.example', 403, () =>
    status(`${lab.portal.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: `token=${LAB_TOKEN}` }),
  );
  attack('load-generator', "the lab's own page: Origin http://localhost:8081 with the token → run starts", 201, () =>
    status(`${lab.loadgen.url}/api/runs`, { method: 'POST', headers: { ...lab_(), ...json, origin: 'http://localhost:8081' }, body: run(`${lab.target.url}/own`) }),
  );
  attack('load-generator', 'WebSocket /ws with the token, Origin: https://evil.example', 403, async () =>
    (await rawSocket(lab.loadgen.port, wsUpgrade(lab.loadgen.port, { authorization: `Bearer ${LAB_TOKEN}`, origin: 'https://evil.example' }))).status,
  );
});

function wsUpgrade(port: number, headers: Record<string, string> = {}): string {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
}

describe('LAB_TOKEN: the control plane needs the token', () => {
  attack('load-generator', 'GET /api/runs without a token', 401, () => status(`${lab.loadgen.url}/api/runs`));
  attack('load-generator', 'POST /api/runs (50 000 rps for 1 h) without a token', 401, () =>
    status(`${lab.loadgen.url}/api/runs`, { method: 'POST', headers: json, body: JSON.stringify({ target: { url: `${lab.target.url}/` }, rate: 50_000, duration: '1h' }) }),
  );
  attack('portal', 'GET /api/alerts/inbox without a token', 401, () => status(`${lab.portal.url}/api/alerts/inbox`));
  attack('portal', 'POST /api/scenarios/high-latency/run without a token', 401, () => status(`${lab.portal.url}/api/scenarios/high-latency/run`, { method: 'POST', headers: json, body: '{}' }));
  attack('load-generator', 'a wrong Bearer token', 401, () => status(`${lab.loadgen.url}/api/runs`, { headers: bearer('wrong-token-0123456789') }));
  attack('load-generator', 'a forged session cookie', 401, () => status(`${lab.loadgen.url}/api/runs`, { headers: { cookie: `${LAB_SESSION_COOKIE}=v1.Zm9yZ2VkLWNvb2tpZS12YWx1ZQ` } }));
  attack('load-generator', 'the raw LAB_TOKEN as the cookie value (the cookie is not the token)', 401, () =>
    status(`${lab.loadgen.url}/api/runs`, { headers: { cookie: `${LAB_SESSION_COOKIE}=${LAB_TOKEN}` } }),
  );
  attack('load-generator', 'WebSocket /ws without a token', 401, async () => (await rawSocket(lab.loadgen.port, wsUpgrade(lab.loadgen.port))).status);
  attack('load-generator', 'OpenAPI document without a token', 401, () => status(`${lab.loadgen.url}/openapi.json`));
  attack('portal', '/login with a wrong token: 401 sign-in page, no cookie', 401, async () => {
    const res = await call(`${lab.portal.url}/login?token=not-the-lab-token-0123`, { headers: { accept: 'text/html' } });
    const page = await res.text();
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(page).toContain('action="/login"');
    expect(page).not.toContain('not-the-lab-token-0123');
    return res.status;
  });
  attack('portal', '/login with CR LF in the token cannot inject a header', 401, async () => {
    const res = await call(`${lab.portal.url}/login?token=x%0d%0aSet-Cookie:%20evil=1`);
    expect(res.headers.get('set-cookie')).toBeNull();
    return res.status;
  });
  attack('portal → load-generator', 'the cookie from /login?token=… on the portal opens the load generator', 200, async () => {
    const res = await call(`${lab.portal.url}/login?token=${encodeURIComponent(LAB_TOKEN)}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(new RegExp(`^${LAB_SESSION_COOKIE}=v1\\.`));
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Path=/');
    expect(set).not.toMatch(/Domain=/i);
    expect(set).not.toContain(LAB_TOKEN);
    const cookie = set.split(';')[0] as string;
    expect(await status(`${lab.portal.url}/api/alerts/inbox`, { headers: { cookie } })).toBe(200);
    return status(`${lab.loadgen.url}/api/runs`, { headers: { cookie } });
  });
  attack('portal', 'open without a token: /health/ready, /metrics, the page', '200 200 200', async () =>
    [await status(`${lab.portal.url}/health/ready`), await status(`${lab.portal.url}/metrics`), await status(`${lab.portal.url}/`)].join(' '),
  );
  attack('load-generator', 'open without a token: /health/live, /metrics, the page', '200 200 200', async () =>
    [await status(`${lab.loadgen.url}/health/live`), await status(`${lab.loadgen.url}/metrics`), await status(`${lab.loadgen.url}/`)].join(' '),
  );
});

describe('the alert inbox needs ALERT_WEBHOOK_TOKEN', () => {
  const post = (headers: Record<string, string>, payload = webhookPayload()) =>
    status(`${lab.portal.url}/api/alerts/webhook`, { method: 'POST', headers: { ...json, ...headers }, body: payload });
  attack('portal', 'POST /api/alerts/webhook without a token (flooding the inbox)', 401, () => post({}));
  attack('portal', 'POST /api/alerts/webhook with LAB_TOKEN instead of the webhook token', 401, () => post(lab_()));
  attack('portal', "POST /api/alerts/webhook with Alertmanager's token", 200, () => post(bearer(ALERT_WEBHOOK_TOKEN)));
});

describe('faults always need ADMIN_TOKEN', () => {
  attack('todo-api', 'PUT /api/faults from loopback without a token', 401, () =>
    status(`${lab.todo.url}/api/faults`, { method: 'PUT', headers: json, body: '{"latency":{"ms":5000}}' }),
  );
  attack('todo-api', 'PUT /api/faults on a todo API with no ADMIN_TOKEN configured (any token)', 403, async () => {
    const res = await call(`${lab.todoWithoutAdmin.url}/api/faults`, { method: 'PUT', headers: { ...bearer('guess'), ...json }, body: '{"latency":{"ms":5000}}' });
    expect((await body<{ error: string }>(res)).error).toMatch(/ADMIN_TOKEN=/);
    return res.status;
  });
  attack('load-generator → todo-api', 'a run of PUT /api/faults through the load generator: every request 401', '401×5, faults off', async () => {
    const res = await startRun(
      JSON.stringify({ target: { method: 'PUT', url: `${lab.todo.url}/api/faults`, body: { latency: { ms: 5000 } } }, rate: 5, duration: 1 }),
    );
    expect(res.status).toBe(201);
    const s = await finished((await body<{ id: string }>(res)).id);
    const faults = await faultsNow();
    return `${Object.entries(s.status_codes as Record<string, number>).map(([c, n]) => `${c}×${n}`).join(',')}, faults ${faults.latency === null ? 'off' : 'ON'}`;
  });
});

describe('load targets: host and port allowlist, no redirects with credentials', () => {
  attack('load-generator', 'a run against a non-allowlisted port of 127.0.0.1', 403, async () => {
    const res = await startRun(run(`${lab.collector.url}/x`));
    expect((await body<{ error: string }>(res)).error).toContain('TARGET_ALLOWLIST');
    return res.status;
  });
  attack('load-generator', "a run against the load generator's own API port", 403, async () => (await startRun(run(`${lab.loadgen.url}/api/runs`))).status);
  attack('load-generator', 'auth.login_url on a non-allowlisted port', 403, async () =>
    (await startRun(run(`${lab.target.url}/x`, { auth: { login_url: `${lab.collector.url}/api/login`, ...DEMO } }))).status,
  );
  attack('load-generator', 'login answered 307 to an outside host: the run fails, credentials stay home', 'failed', async () => {
    const res = await startRun(run(`${lab.target.url}/x`, { auth: { login_url: `${lab.redirector.url}/api/login`, ...DEMO } }));
    expect(res.status).toBe(201);
    const s = await finished((await body<{ id: string }>(res)).id);
    expect(String(s.error)).toMatch(/307.*redirect/);
    expect(lab.collector.seen).toEqual([]);
    return String(s.state);
  });
  attack('load-generator', 'POST /api/token (the page login) answered 307: not followed', 502, async () => {
    const res = await call(`${lab.loadgen.url}/api/token`, { method: 'POST', headers: { ...lab_(), ...json }, body: JSON.stringify({ login_url: `${lab.redirector.url}/api/login`, ...DEMO }) });
    expect(lab.collector.seen).toEqual([]);
    return res.status;
  });
  attack('load-generator', 'target answers 307 to an outside host: reported as 307, never followed with the token', '307×5', async () => {
    const res = await startRun(run(`${lab.redirector.url}/tasks`, { auth: { login_url: `${lab.todo.url}/api/login`, ...DEMO } }));
    expect(res.status).toBe(201);
    const s = await finished((await body<{ id: string }>(res)).id);
    expect(lab.redirector.seen.some((r) => r.headers.authorization?.startsWith('Bearer '))).toBe(true);
    expect(lab.collector.seen).toEqual([]);
    return Object.entries(s.status_codes as Record<string, number>).map(([c, n]) => `${c}×${n}`).join(',');
  });
});

describe('MAX_RATE bounds the peak r(t), not only the nominal rate', () => {
  const refused = async (payload: Record<string, unknown>, path = '/api/runs') => {
    const res = await call(`${lab.loadgen.url}${path}`, { method: 'POST', headers: { ...lab_(), ...json }, body: JSON.stringify({ target: { url: `${lab.target.url}/` }, duration: 10, ...payload }) });
    const b = await body<{ error: string; field?: string }>(res);
    if (res.status === 400) expect(b.error).toContain(String(MAX_RATE));
    return `${res.status} ${b.field ?? ''}`.trim();
  };
  attack('load-generator', 'spiky, multiplier 1000 at 100 rps (peak 100 000)', '400 profile_options.multiplier', async () => {
    const r = await refused({ rate: 100, profile: 'spiky', profile_options: { multiplier: 1000 } });
    return r;
  });
  attack('load-generator', 'chaotic, pause_probability 0.9 at 20 000 rps (pauses scale the rest up)', '400 profile_options.pause_probability', () =>
    refused({ rate: 20_000, duration: 120, profile: 'chaotic', seed: 7, profile_options: { pause_probability: 0.9, burst: 2 } }),
  );
  attack('load-generator', 'chaotic, burst 100 at 1 000 rps', '400 profile_options.burst', () => refused({ rate: 1000, profile: 'chaotic', seed: 7, profile_options: { burst: 100 } }));
  attack('load-generator', 'wave, amplitude 1 at 30 000 rps (peak 60 000)', '400 profile_options.amplitude', () =>
    refused({ rate: 30_000, profile: 'wave', profile_options: { amplitude: 1 } }),
  );
  attack('load-generator', 'stages, start_rate 60 000', '400 profile_options.start_rate', () =>
    refused({ rate: 100, profile: 'stages', profile_options: { start_rate: 60_000, stages: [{ duration: 1, rate: 10 }] } }),
  );
  attack('load-generator', 'the preview of spiky ×1000 is refused the same way', '400 profile_options.multiplier', () =>
    refused({ profile: 'spiky', rate: 100, profile_options: { multiplier: 1000 } }, '/api/profiles/preview'),
  );
});

describe('path traversal on the static routes', () => {
  const paths = ['/../../../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2f..%2fpackage.json', '/%2e%2e%5c%2e%2e%5cpackage.json', '/assets/..%252f..%252fpackage.json'];
  for (const appName of ['portal', 'load-generator'] as const) {
    for (const path of paths) {
      attack(appName, `GET ${path}`, '4xx, nothing leaked', async () => {
        const port = appName === 'portal' ? lab.portal.port : lab.loadgen.port;
        const res = await rawRequest(port, { path });
        const leaked = res.body.includes('root:x:0:0') || res.body.includes('"workspaces"') || res.body.includes('"@o11y/');
        return `${res.status >= 400 && res.status < 500 ? '4xx' : res.status}, ${leaked ? 'LEAKED' : 'nothing leaked'}`;
      });
    }
  }
});

describe('CR LF and prototype pollution in requests', () => {
  attack('portal', 'a header value with a bare CR (raw socket)', 400, async () =>
    (await rawSocket(lab.portal.port, `GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\rSet-Cookie: evil=1\r\n\r\n`)).status,
  );
  attack('todo-api', 'a bare LF starting an injected header', 400, async () =>
    (await rawSocket(lab.todo.port, `GET /api/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\nSet-Cookie: evil=1\r\n\r\n`)).status,
  );
  attack('load-generator', 'request smuggling: Content-Length with Transfer-Encoding', 400, async () =>
    (await rawSocket(lab.loadgen.port, `POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`)).status,
  );
  attack('load-generator', 'CR LF in a target header (header injection towards the target)', '400 target.headers', async () => {
    const res = await startRun(JSON.stringify({ target: { url: `${lab.target.url}/`, headers: { 'X-A': 'a\r\nInjected: 1' } }, rate: 1, duration: 1 }));
    return `${res.status} ${(await body<{ field: string }>(res)).field}`;
  });
  attack('load-generator', '__proto__ in the JSON body of POST /api/runs', 400, async () => {
    const res = await call(`${lab.loadgen.url}/api/runs`, {
      method: 'POST',
      headers: { ...lab_(), ...json },
      body: `{"target":{"url":"${lab.target.url}/"},"rate":1,"duration":1,"__proto__":{"polluted":true}}`,
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    return res.status;
  });
  attack('todo-api', '__proto__ in POST /api/register', 400, () =>
    status(`${lab.todo.url}/api/register`, { method: 'POST', headers: json, body: '{"email":"p@example.org","password":"password123","__proto__":{"admin":true}}' }),
  );
  attack('portal', 'constructor.prototype in the webhook body', 400, async () => {
    const res = await status(`${lab.portal.url}/api/alerts/webhook`, {
      method: 'POST',
      headers: { ...json, ...bearer(ALERT_WEBHOOK_TOKEN) },
      body: webhookPayload({ constructor: { prototype: { polluted: true } } }),
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    return res;
  });
});

describe('oversized bodies', () => {
  const big = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes) });
  attack('todo-api', 'POST /api/register, 200 KiB', 413, () => status(`${lab.todo.url}/api/register`, { method: 'POST', headers: json, body: big(200 * 1024) }));
  attack('load-generator', 'POST /api/runs, 2 MiB (with the token)', 413, () => status(`${lab.loadgen.url}/api/runs`, { method: 'POST', headers: { ...lab_(), ...json }, body: big(2 * 1024 * 1024) }));
  attack('load-generator', 'POST /api/runs, 2 MiB without a token: refused before it is read', 401, () => status(`${lab.loadgen.url}/api/runs`, { method: 'POST', headers: json, body: big(2 * 1024 * 1024) }));
  attack('portal', 'POST /api/scenarios/smoke/run, 100 KiB', 413, () => status(`${lab.portal.url}/api/scenarios/smoke/run`, { method: 'POST', headers: { ...lab_(), ...json }, body: big(100 * 1024) }));
  attack('portal', 'POST /api/alerts/webhook, 300 KiB', 413, () => status(`${lab.portal.url}/api/alerts/webhook`, { method: 'POST', headers: { ...bearer(ALERT_WEBHOOK_TOKEN), ...json }, body: big(300 * 1024) }));
});

describe('slow clients cannot hold a connection', () => {
  // The servers run with a 0.8 s headers timeout and a 1.5 s request timeout (SHORT_LIMITS);
  // the clients would go on for 20 s.
  const outcome = async (port: number, shape: { start: string; drip: (n: number) => string }) => {
    const r = await slowClient(port, { ...shape, everyMs: 150, maxMs: 20_000 });
    return r.outcome === 'closed' ? `closed ${r.status}` : 'survived';
  };
  attack('portal', 'slowloris: one header line every 150 ms', 'closed 408', () => outcome(lab.portal.port, slowHeaders(lab.portal.port)));
  attack('load-generator', 'slowloris: one header line every 150 ms', 'closed 408', () => outcome(lab.loadgen.port, slowHeaders(lab.loadgen.port)));
  attack('todo-api', 'slowloris: one header line every 150 ms', 'closed 408', () => outcome(lab.todo.port, slowHeaders(lab.todo.port)));
  attack('todo-api', 'a body trickled one byte every 150 ms', 'closed 408', () => outcome(lab.todo.port, slowBody(lab.todo.port, '/api/register')));
  attack('load-generator', 'an SSE stream outlives the request timeout (only receiving the request is timed)', 'done', async () => {
    const res = await startRun(JSON.stringify({ target: { url: `${lab.target.url}/sse` }, rate: 5, duration: 3 }));
    const { id } = await body<{ id: string }>(res);
    const started = Date.now();
    const events = await (await call(`${lab.loadgen.url}/api/runs/${id}/events`, { headers: lab_() })).text();
    expect(Date.now() - started).toBeGreaterThan(1500);
    return events.includes('event: done') ? 'done' : 'cut';
  });
});

describe('listening beyond loopback needs LAB_TOKEN', () => {
  for (const app of ['portal', 'load-generator']) {
    attack(app, 'start with HOST=0.0.0.0 and no LAB_TOKEN', 'exit 1', async () => {
      const main = resolve(REPO_ROOT, 'apps', app, 'dist', 'main.js');
      expect(existsSync(main), `${main} (run npm run build)`).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'o11y-security-start-'));
      const { MODE: _vitest, LAB_TOKEN: _inherited, ...env } = process.env;
      const child = spawn(process.execPath, [main], { env: { ...env, HOST: '0.0.0.0', PORT: '0', DATA_DIR: dir, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((r) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', (c) => {
          clearTimeout(timer);
          r(c);
        });
      });
      rmSync(dir, { recursive: true, force: true });
      expect(stderr).toMatch(/LAB_TOKEN: required because HOST=0\.0\.0\.0/);
      expect(stderr).toContain('openssl rand');
      return `exit ${code}`;
    });
  }
});

describe('the portal prints the sign-in link when it starts', () => {
  attack('portal', 'HOST=0.0.0.0 with LAB_TOKEN: starts, and its start line has the sign-in link', 'link printed', async () => {
    const main = resolve(REPO_ROOT, 'apps', 'portal', 'dist', 'main.js');
    const dir = mkdtempSync(join(tmpdir(), 'o11y-security-start-'));
    const { MODE: _vitest, ...env } = process.env;
    const child = spawn(process.execPath, [main], {
      env: { ...env, MODE: 'compose', HOST: '0.0.0.0', PORT: '0', DATA_DIR: dir, LAB_TOKEN, PUBLIC_BASE_URL: 'http://lab.example.com', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await expect.poll(() => out, { timeout: 20_000, interval: 100 }).toContain('/login?token=');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
    return out.includes(`sign in at http://lab.example.com/login?token=${encodeURIComponent(LAB_TOKEN)}`) ? 'link printed' : out.slice(0, 300);
  });
});

describe('secrets stay out of logs, run history and files readable by others', () => {
  attack('load-generator', 'run history on disk after runs with a login password', 'clean', async () => {
    const dir = join(lab.dataDirs.loadgen, 'runs');
    const text = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(text.length).toBeGreaterThan(0);
    return [DEMO.password, LAB_TOKEN, ADMIN_TOKEN].some((s) => text.includes(s)) ? 'LEAKED' : 'clean';
  });
  attack('all three', 'every log line written during the suite', 'clean', async () => {
    const text = lab.logs.todo.text() + lab.logs.loadgen.text() + lab.logs.portal.text();
    expect(text.length).toBeGreaterThan(0);
    return [DEMO.password, LAB_TOKEN, ADMIN_TOKEN, ALERT_WEBHOOK_TOKEN].some((s) => text.includes(s)) ? 'LEAKED' : 'clean';
  });
  attack('stack', 'rendered alertmanager.yml with the webhook token', 'mode 600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o11y-security-render-'));
    try {
      const written = await writeStackConfig(dir, { ALERT_WEBHOOK_TOKEN }, { mode: 'embedded' });
      expect(readFileSync(written.alertmanagerConfig, 'utf8')).toContain(ALERT_WEBHOOK_TOKEN);
      return `mode ${(statSync(written.alertmanagerConfig).mode & 0o777).toString(8)}`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
