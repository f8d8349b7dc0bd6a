import { spawnSync } from 'node:child_process';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { DATABASES, newUser, startTestApp, TEST_SECRET } from './helpers.ts';

/** The fault API needs the admin token from every client, loopback included. */
const ADMIN = 'test-admin-token-0123456789';
const admin = { authorization: `Bearer ${ADMIN}` };

type Task = { id: string; title: string; description: string | null; status: string; user_id: string; inserted_at: string; updated_at: string };

// The whole API suite runs once per database: embedded PGlite and a real PostgreSQL server.
describe.each(DATABASES)('todo API on $name', (factory) => {
  let app: App;
  let dispose: () => Promise<void>;
  let env: Record<string, string>;

  beforeAll(async () => {
    const db = await factory.create();
    env = { ...db.env, LOGIN_RATE_LIMIT: '5', ADMIN_TOKEN: ADMIN };
    dispose = db.dispose;
    app = await startTestApp(env);
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  describe('service', () => {
    it('answers ping, liveness and readiness', async () => {
      const ping = await app.inject('/api/ping');
      expect(ping.statusCode).toBe(200);
      expect(ping.json().status).toBe('ok');
      expect(Date.parse(ping.json().timestamp)).not.toBeNaN();
      expect((await app.inject('/health/live')).statusCode).toBe(200);
      const ready = await app.inject('/health/ready');
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks.database).toBe('up');
    });

    it('serves OpenAPI 3 with bearer auth and the demo login example, and Swagger UI', async () => {
      const doc = (await app.inject('/openapi.json')).json();
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
      const login = doc.paths['/api/login'].post.requestBody.content['application/json'].schema.properties;
      expect(login.email.example).toBe('user@example.com');
      expect(login.password.example).toBe('verysecret');
      expect(doc.paths['/api/tasks'].get.security).toEqual([{ bearerAuth: [] }]);
      // Swagger must not insist on the paging parameters: they have defaults.
      for (const p of doc.paths['/api/tasks'].get.parameters as { name: string; required?: boolean }[]) expect(p.required, p.name).toBeFalsy();
      expect(doc.paths['/api/tasks/{id}']).toBeDefined();
      expect(doc.paths['/metrics']).toBeUndefined();
      const ui = await app.inject('/swagger/');
      expect(ui.statusCode).toBe(200);
      expect(ui.headers['content-type']).toContain('text/html');
    });

    it('seeds the demo user, so the Swagger example logs in with one click', async () => {
      const res = await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'user@example.com', password: 'verysecret' } });
      expect(res.statusCode).toBe(200);
      expect(res.json().token.split('.')).toHaveLength(3);
    });

    it('keeps data across a restart, and seeding the demo user again is harmless', async () => {
      const { email } = await newUser(app);
      await app.close();
      app = await startTestApp(env);
      for (const who of [{ email: 'user@example.com', password: 'verysecret' }, { email, password: 'password123' }]) {
        const res = await app.inject({ method: 'POST', url: '/api/login', payload: who });
        expect(res.statusCode, who.email).toBe(200);
      }
      const count = await app.db.run<{ n: number }>({ operation: 'SELECT', table: 'users', text: "SELECT count(*)::int AS n FROM users WHERE email = 'user@example.com'" });
      expect(count[0]?.n).toBe(1);
    });
  });

  describe('register and login', () => {
    it('registers (201 {id,email}), refuses a duplicate email (409), case-insensitively', async () => {
      const res = await app.inject({ method: 'POST', url: '/api/register', payload: { email: 'Ann@Example.org', password: 'longenough' } });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: 'ann@example.org' });
      const dup = await app.inject({ method: 'POST', url: '/api/register', payload: { email: 'ann@example.org', password: 'longenough' } });
      expect(dup.statusCode).toBe(409);
      expect(dup.json()).toMatchObject({ field: 'email' });
    });

    it.each([
      [{ email: 'not-an-email', password: 'longenough' }, 'email'],
      [{ email: 'a@example.org', password: 'short' }, 'password'],
      [{ password: 'longenough' }, 'email'],
      [{ email: 'a@example.org' }, 'password'],
    ])('rejects %j with 400 naming %s', async (payload, field) => {
      const res = await app.inject({ method: 'POST', url: '/api/register', payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe(field);
      expect(res.json().error).toContain(field);
    });

    it('gives the same answer for a wrong password and an unknown email', async () => {
      const { email } = await newUser(app);
      const wrong = await app.inject({ method: 'POST', url: '/api/login', payload: { email, password: 'wrongpassword' } });
      const unknown = await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'nobody@example.org', password: 'wrongpassword' } });
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.body).toBe(unknown.body);
    });

    it('rate limits login per client IP (429 JSON, counted), but not the task endpoints', async () => {
      const from = (ip: string) => ({ method: 'POST' as const, url: '/api/login', remoteAddress: ip, payload: { email: 'x@example.org', password: 'whatever1' } });
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) codes.push((await app.inject(from('10.9.9.9'))).statusCode);
      expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(codes.slice(5)).toEqual([429, 429]);
      const limited = await app.inject(from('10.9.9.9'));
      expect(limited.json().error).toMatch(/rate limit/i);
      expect((await app.inject(from('10.8.8.8'))).statusCode).toBe(401);
      const metrics = (await app.inject('/metrics')).body;
      expect(metrics).toMatch(/todo_logins_total\{result="rate_limited"\} [3-9]/);

      const { auth } = await newUser(app);
      for (let i = 0; i < 12; i++) {
        expect((await app.inject({ url: '/api/tasks', remoteAddress: '10.9.9.9', headers: { authorization: auth } })).statusCode).toBe(200);
      }
    });
  });

  describe('authentication of task routes', () => {
    const key = new TextEncoder().encode(TEST_SECRET);

    it('needs a bearer token (401 JSON)', async () => {
      const res = await app.inject('/api/tasks');
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toMatch(/bearer/i);
      expect((await app.inject({ url: '/api/tasks', headers: { authorization: 'Bearer garbage' } })).statusCode).toBe(401);
    });

    it('rejects alg:none, a foreign signature, a wrong issuer and an expired token', async () => {
      const { id } = await newUser(app);
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const exp = Math.floor(Date.now() / 1000) + 3600;
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: id, iss: 'todo-api', exp })}.`;
      const foreign = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(id).setIssuer('todo-api').setExpirationTime(exp).sign(new TextEncoder().encode('someone-elses-secret-0123456789abcdef'));
      const wrongIss = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(id).setIssuer('evil').setExpirationTime(exp).sign(key);
      const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(id).setIssuer('todo-api').setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(key);
      const good = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(id).setIssuer('todo-api').setExpirationTime(exp).sign(key);
      for (const token of [none, foreign, wrongIss, expired]) {
        expect((await app.inject({ url: '/api/tasks', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
      }
      expect((await app.inject({ url: '/api/tasks', headers: { authorization: `Bearer ${good}` } })).statusCode).toBe(200);
    });

    it('issues HS256 tokens with sub, iss and a 24 h exp', async () => {
      const { auth, id } = await newUser(app);
      const [header, payload] = auth.slice(7).split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString() || '{}'));
      expect(header.alg).toBe('HS256');
      expect(payload.sub).toBe(id);
      expect(payload.iss).toBe('todo-api');
      expect(payload.exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(24 * 3600 - 60);
    });

    it("stops accepting a token once its user no longer exists", async () => {
      const { auth, id } = await newUser(app);
      expect((await app.inject({ url: '/api/tasks', headers: { authorization: auth } })).statusCode).toBe(200);
      await app.db.run({ operation: 'DELETE', table: 'users', text: 'DELETE FROM users WHERE id = $1', params: [id] });
      expect((await app.inject({ url: '/api/tasks', headers: { authorization: auth } })).statusCode).toBe(401);
    });
  });

  describe('tasks', () => {
    let auth: string;
    let userId: string;
    beforeAll(async () => {
      ({ auth, id: userId } = await newUser(app));
    });
    const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object, as = auth) =>
      app.inject({ method, url, headers: { authorization: as }, ...(payload ? { payload } : {}) });

    it('creates a task (201) with every field, defaults status to pending', async () => {
      const res = await call('POST', '/api/tasks', { title: 'first' });
      expect(res.statusCode).toBe(201);
      const t = res.json<Task>();
      expect(Object.keys(t).sort()).toEqual(['description', 'id', 'inserted_at', 'status', 'title', 'updated_at', 'user_id']);
      expect(t).toMatchObject({ title: 'first', description: null, status: 'pending', user_id: userId });
      expect(new Date(t.inserted_at).toISOString()).toBe(t.inserted_at);
    });

    it('lists newest first with limit (default 10) and offset', async () => {
      const { auth: mine } = await newUser(app);
      for (let i = 1; i <= 12; i++) expect((await call('POST', '/api/tasks', { title: `t${i}` }, mine)).statusCode).toBe(201);
      const all = (await call('GET', '/api/tasks', undefined, mine)).json<Task[]>();
      expect(all.map((t) => t.title)).toEqual(['t12', 't11', 't10', 't9', 't8', 't7', 't6', 't5', 't4', 't3']);
      const page = (await call('GET', '/api/tasks?limit=3&offset=10', undefined, mine)).json<Task[]>();
      expect(page.map((t) => t.title)).toEqual(['t2', 't1']);
      expect((await call('GET', '/api/tasks?limit=100', undefined, mine)).json<Task[]>()).toHaveLength(12);
    });

    it.each(['limit=0', 'limit=101', 'limit=abc', 'offset=-1', 'offset=x', 'offset=100000000000000000000'])('rejects the query %s with 400 naming the field', async (q) => {
      const res = await call('GET', `/api/tasks?${q}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe(q.split('=')[0]);
    });

    it.each([
      [{ title: '' }, 'title'],
      [{ title: 'x'.repeat(256) }, 'title'],
      [{}, 'title'],
      [{ title: 'ok', description: 'd'.repeat(10_001) }, 'description'],
      [{ title: 'ok', status: 'finished' }, 'status'],
      [{ title: 'nul\u0000byte' }, 'title'],
      [{ title: 'ok', description: 'nul\u0000byte' }, 'description'],
    ])('rejects an invalid task (case %#) with 400 naming the field', async (payload, field) => {
      const res = await call('POST', '/api/tasks', payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe(field);
    });

    it('accepts the limits: a 255-char title and a 10 000-char description', async () => {
      const res = await call('POST', '/api/tasks', { title: 'x'.repeat(255), description: 'd'.repeat(10_000), status: 'done' });
      expect(res.statusCode).toBe(201);
    });

    it('answers 400 to malformed JSON and 413 to a body over 1 MiB, as JSON', async () => {
      const bad = await app.inject({ method: 'POST', url: '/api/tasks', headers: { authorization: auth, 'content-type': 'application/json' }, payload: '{"title": ' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toMatch(/JSON/);
      const big = await app.inject({
        method: 'POST',
        url: '/api/tasks',
        headers: { authorization: auth, 'content-type': 'application/json' },
        payload: JSON.stringify({ title: 'big', description: 'x'.repeat(1024 * 1024) }),
      });
      expect(big.statusCode).toBe(413);
      expect(big.json().error).toMatch(/too large/);
    });

    it('gets, replaces (PUT), patches and deletes a task', async () => {
      const t = (await call('POST', '/api/tasks', { title: 'edit me', description: 'd', status: 'in_progress' })).json<Task>();
      expect((await call('GET', `/api/tasks/${t.id}`)).json()).toEqual(t);

      const patched = await call('PATCH', `/api/tasks/${t.id}`, { status: 'done' });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ title: 'edit me', description: 'd', status: 'done' });
      expect(Date.parse(patched.json().updated_at)).toBeGreaterThan(Date.parse(t.updated_at));

      const put = await call('PUT', `/api/tasks/${t.id}`, { title: 'replaced' });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ id: t.id, title: 'replaced', description: null, status: 'pending', inserted_at: t.inserted_at });
      expect((await call('PUT', `/api/tasks/${t.id}`, { description: 'no title' })).json().field).toBe('title');
      expect((await call('PATCH', `/api/tasks/${t.id}`, {})).statusCode).toBe(400);

      const del = await call('DELETE', `/api/tasks/${t.id}`);
      expect(del.statusCode).toBe(200);
      expect(del.json()).toEqual({ message: 'Task deleted' });
      expect((await call('GET', `/api/tasks/${t.id}`)).statusCode).toBe(404);
      expect((await call('DELETE', `/api/tasks/${t.id}`)).statusCode).toBe(404);
    });

    it('answers 404 for an id that is not a UUID, on every method', async () => {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
        const res = await call(method, '/api/tasks/not-a-uuid', method === 'GET' || method === 'DELETE' ? undefined : { title: 'x' });
        expect(res.statusCode, method).toBe(404);
        expect(res.json().error).toBeTruthy();
      }
    });

    it("never shows or changes another user's task (404)", async () => {
      const mine = (await call('POST', '/api/tasks', { title: 'private' })).json<Task>();
      const other = await newUser(app);
      for (const [method, payload] of [['GET'], ['PUT', { title: 'hijack' }], ['PATCH', { title: 'hijack' }], ['DELETE']] as const) {
        expect((await call(method, `/api/tasks/${mine.id}`, payload, other.auth)).statusCode, method).toBe(404);
      }
      expect((await call('GET', '/api/tasks?limit=100', undefined, other.auth)).json()).toEqual([]);
      expect((await call('GET', `/api/tasks/${mine.id}`)).json().title).toBe('private');
    });
  });

  describe('metrics', () => {
    it('exposes the contract names, labelled by route template, and passes promtool check metrics', async () => {
      const { auth } = await newUser(app);
      const t = (await app.inject({ method: 'POST', url: '/api/tasks', headers: { authorization: auth }, payload: { title: 'm' } })).json<Task>();
      await app.inject({ url: `/api/tasks/${t.id}`, headers: { authorization: auth } });
      await app.inject('/no/such/path/1');
      await app.inject('/no/such/path/2');
      const res = await app.inject('/metrics');
      const text = res.body;
      expect(text).toMatch(/http_server_request_duration_seconds_bucket\{le="0.5",method="GET",route="\/api\/tasks\/:id",status_code="200"\} \d+/);
      expect(text).toMatch(/http_server_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 2/);
      expect(text).not.toContain('/no/such/path');
      expect(text).not.toContain(t.id);
      expect(text).toContain('http_server_active_requests');
      expect(text).toMatch(/db_client_operation_duration_seconds_bucket\{le="0.5",operation="INSERT",table="tasks"\} \d+/);
      expect(text).toMatch(/db_client_operation_duration_seconds_count\{operation="SELECT",table="users"\} \d+/);
      expect(text).toMatch(/db_client_connections\{state="idle"\} \d+/);
      expect(text).toMatch(/db_client_connections\{state="used"\} \d+/);
      expect(text).toMatch(/db_client_connections_max \d+/);
      expect(text).toMatch(/db_client_errors_total/);
      expect(text).toContain('todo_database_up 1');
      expect(text).toMatch(/todo_tasks_created_total [1-9]/);
      expect(text).toMatch(/todo_users_registered_total [1-9]/);
      expect(text).toMatch(/todo_logins_total\{result="success"\} [1-9]/);
      expect(text).toContain('todo_tasks_updated_total');
      expect(text).toContain('todo_tasks_deleted_total');
      expect(text).toContain('todo_fault_active{fault="latency"} 0');
      expect(text).toContain('process_resident_memory_bytes');
      expect(text).toContain('nodejs_eventloop_lag_seconds');
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.error).toBeUndefined();
      expect(`${check.stdout}${check.stderr}`).toBe('');
      expect(check.status).toBe(0);
    });

    it('attaches trace ids as exemplars when scraped as OpenMetrics', async () => {
      await app.inject('/api/ping');
      const res = await app.inject({ url: '/metrics', headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
      expect(res.body).toMatch(/http_server_request_duration_seconds_bucket\{[^}]*route="\/api\/ping"[^}]*\} \d+ # \{trace_id="[0-9a-f]{32}"\}/);
      expect(res.body).toMatch(/db_client_operation_duration_seconds_bucket\{[^}]*\} \d+ # \{trace_id="[0-9a-f]{32}"\}/);
    });
  });

  describe('faults', () => {
    let auth: string;
    beforeAll(async () => {
      ({ auth } = await newUser(app));
    });
    const put = (body: object) => app.inject({ method: 'PUT', url: '/api/faults', payload: body, headers: admin });
    const clear = () => app.inject({ method: 'DELETE', url: '/api/faults', headers: admin });
    const tasks = () => app.inject({ url: '/api/tasks', headers: { authorization: auth } });

    it('replaces the whole state on PUT, clears on DELETE, and exports gauges', async () => {
      expect((await app.inject('/api/faults')).json()).toEqual({ latency: null, error: null, db_slowdown: null, cpu_burn: null });
      const first = await put({ latency: { ms: 600, route: '/api/tasks', method: 'GET' }, cpu_burn: { ms: 1 } });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({ latency: { ms: 600, route: '/api/tasks', method: 'GET' }, error: null, db_slowdown: null, cpu_burn: { ms: 1 } });
      let m = (await app.inject('/metrics')).body;
      expect(m).toContain('todo_fault_active{fault="latency"} 1');
      expect(m).toContain('todo_fault_active{fault="cpu_burn"} 1');
      expect(m).toContain('todo_fault_latency_seconds 0.6');
      expect(m).toContain('todo_fault_cpu_burn_seconds 0.001');
      // PUT replaces: what is omitted is off.
      const second = await put({ error: { probability: 0.25 } });
      expect(second.json()).toEqual({ latency: null, error: { probability: 0.25 }, db_slowdown: null, cpu_burn: null });
      m = (await app.inject('/metrics')).body;
      expect(m).toContain('todo_fault_active{fault="latency"} 0');
      expect(m).toContain('todo_fault_error_probability 0.25');
      const cleared = await clear();
      expect(cleared.json()).toEqual({ latency: null, error: null, db_slowdown: null, cpu_burn: null });
      expect((await app.inject('/metrics')).body).toContain('todo_fault_error_probability 0');
    });

    it.each([
      [{ latency: { ms: -1 } }, 'latency.ms'],
      [{ latency: { ms: 10, probability: 2 } }, 'latency.probability'],
      [{ latency: {} }, 'latency.ms'],
      [{ error: { probability: 0.5, status: 302 } }, 'error.status'],
      [{ error: { probability: 0.5, status: 600 } }, 'error.status'],
      [{ error: { status: 500 } }, 'error.probability'],
      [{ db_slowdown: { ms: 'slow' } }, 'db_slowdown.ms'],
      [{ cpu_burn: { ms: 10, extra: 1 } }, 'cpu_burn.extra'],
      [{ latencyy: { ms: 10 } }, 'latencyy'],
    ])('rejects %j with 400 naming %s, leaving the state unchanged', async (body, field) => {
      await put({ cpu_burn: { ms: 0 } });
      const res = await put(body);
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe(field);
      expect((await app.inject('/api/faults')).json().cpu_burn).toEqual({ ms: 0 });
      await clear();
    });

    it('needs the admin token to change faults, from loopback too (reading stays open)', async () => {
      for (const remoteAddress of ['127.0.0.1', '192.0.2.7']) {
        const none = await app.inject({ method: 'PUT', url: '/api/faults', payload: { cpu_burn: { ms: 1 } }, remoteAddress });
        expect(none.statusCode, remoteAddress).toBe(401);
        expect(none.headers['www-authenticate']).toBe('Bearer');
        expect(none.json().error).toContain('ADMIN_TOKEN');
        const wrong = await app.inject({ method: 'DELETE', url: '/api/faults', remoteAddress, headers: { authorization: 'Bearer not-the-token' } });
        expect(wrong.statusCode, remoteAddress).toBe(401);
        expect((await app.inject({ url: '/api/faults', remoteAddress })).statusCode).toBe(200);
      }
      // An invalid body without the token is refused before it is read: no validation detail leaks.
      const invalid = await app.inject({ method: 'PUT', url: '/api/faults', payload: { latency: { ms: -1 } } });
      expect(invalid.statusCode).toBe(401);
      expect((await app.inject('/api/faults')).json().cpu_burn).toBeNull();
      expect((await put({ cpu_burn: { ms: 1 } })).statusCode).toBe(200);
      expect((await clear()).statusCode).toBe(200);
    });

    it('adds latency only to the matching method and route', async () => {
      await put({ latency: { ms: 300, method: 'GET', route: '/api/tasks' } });
      try {
        let t = Date.now();
        expect((await tasks()).statusCode).toBe(200);
        expect(Date.now() - t).toBeGreaterThanOrEqual(290);
        t = Date.now();
        expect((await app.inject('/api/ping')).statusCode).toBe(200);
        expect(Date.now() - t).toBeLessThan(290);
        t = Date.now();
        await app.inject({ method: 'POST', url: '/api/tasks', headers: { authorization: auth }, payload: { title: 'fast' } });
        expect(Date.now() - t).toBeLessThan(290);
        t = Date.now();
        expect((await app.inject('/api/faults')).statusCode).toBe(200);
        expect(Date.now() - t).toBeLessThan(290);
      } finally {
        await clear();
      }
    });

    it('skips latency when the probability says so', async () => {
      await put({ latency: { ms: 400, probability: 0 } });
      const t = Date.now();
      await tasks();
      expect(Date.now() - t).toBeLessThan(390);
      await clear();
    });

    it('injects errors with the configured status as JSON, and never on /api/faults itself', async () => {
      await put({ error: { probability: 1, status: 503 } });
      const res = await tasks();
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ fault: 'error' });
      expect((await app.inject('/api/faults')).statusCode).toBe(200);
      expect((await app.inject('/health/live')).statusCode).toBe(200);
      await put({ error: { probability: 1 } });
      expect((await tasks()).statusCode).toBe(500);
      await clear();
      expect((await tasks()).statusCode).toBe(200);
    });

    it('slows the database on the server side: it shows in the DB histogram', async () => {
      const slowBucket = async () => {
        const m = (await app.inject('/metrics')).body;
        const le = (b: string) => Number(new RegExp(`db_client_operation_duration_seconds_bucket\\{le="${b}",operation="SELECT",table="tasks"\\} (\\d+)`).exec(m)?.[1] ?? 0);
        return le('\\+Inf') - le('0.1');
      };
      const before = await slowBucket();
      await put({ db_slowdown: { ms: 150 } });
      const t = Date.now();
      expect((await tasks()).statusCode).toBe(200);
      expect(Date.now() - t).toBeGreaterThanOrEqual(290); // two statements: the user check and the list
      await clear();
      expect(await slowBucket()).toBe(before + 1);
      expect((await app.inject('/metrics')).body).toContain('todo_fault_db_delay_seconds 0');
    });

    it('burns CPU per request', async () => {
      await put({ cpu_burn: { ms: 120 } });
      const t = performance.now();
      await app.inject('/api/ping');
      expect(performance.now() - t).toBeGreaterThanOrEqual(115);
      await clear();
    });
  });
});
