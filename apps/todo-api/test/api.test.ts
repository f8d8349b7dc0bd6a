import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { histogramSeries, parseExposition, samplesOf, scrape, valueOf } from '../../../test/helpers/metrics.ts';
import type { App, AppDeps } from '../src/app.ts';
import { DATABASES, newUser, startTestApp, TEST_SECRET } from './helpers.ts';

/** The fault API needs the admin token from every client, loopback included. */
const ADMIN = 'test-admin-token-0123456789';
const admin = { authorization: `Bearer ${ADMIN}` };
const NO_FAULTS = { latency: null, error: null, db_slowdown: null, cpu_burn: null, cpu_hog: null, pool_limit: null, memory_leak: null, db_outage: null };

type Task = { id: string; title: string; description: string | null; status: string; user_id: string; inserted_at: string; updated_at: string };

// The whole API suite runs once per database: embedded PGlite, a real PostgreSQL server, and that
// server behind the checker of CockroachDB's transaction rules (the compose stack's database).
describe.each(DATABASES)('todo API on $name', (factory) => {
  let app: App;
  let dispose: () => Promise<void>;
  let env: Record<string, string>;
  let deps: AppDeps;

  beforeAll(async () => {
    const db = await factory.create();
    env = { ...db.env, LOGIN_RATE_LIMIT: '5', ADMIN_TOKEN: ADMIN };
    deps = db.deps ?? {};
    dispose = db.dispose;
    app = await startTestApp(env, deps);
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
      // PUT is a partial update, like the original's: its example sets two fields, none is required.
      for (const method of ['put', 'patch']) {
        const body = doc.paths['/api/tasks/{id}'][method].requestBody.content['application/json'];
        expect(body.schema.required, method).toBeUndefined();
        expect(Object.keys(body.schema.properties).sort(), method).toEqual(['description', 'status', 'title']);
      }
      expect(doc.paths['/api/tasks/{id}'].put.requestBody.content['application/json'].example).toEqual({ title: 'Write the runbook', status: 'done' });
      expect(doc.paths['/api/tasks/{id}'].patch.requestBody.content['application/json'].example).toEqual({ status: 'done' });
      // The registration password policy documents register only, not login.
      expect(doc.paths['/api/register'].post.requestBody.content['application/json'].schema.properties.password.minLength).toBe(8);
      expect(login.password.minLength).toBeUndefined();
      expect(doc.paths['/api/login'].post.responses['401']).toBeDefined();
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
      app = await startTestApp(env, deps);
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
      [{ email: 'a@example.org', password: 123456789 }, 'password'],
      [{ email: true, password: 'longenough' }, 'email'],
    ])('rejects %j with 400 naming %s', async (payload, field) => {
      const res = await app.inject({ method: 'POST', url: '/api/register', payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe(field);
      expect(res.json().error).toContain(field);
    });

    it('answers 401 {"error":"invalid credentials"} to a wrong password and an unknown email alike, whatever their length', async () => {
      const { email } = await newUser(app);
      let n = 0;
      // Each attempt from its own address, so the per-IP login limit stays out of the way.
      const login = (payload: object) => app.inject({ method: 'POST', url: '/api/login', remoteAddress: `10.77.0.${++n}`, payload });
      for (const password of ['wrongpassword', 'x', '', 'short', 'p'.repeat(300)]) {
        for (const who of [email, 'nobody@example.org', 'not-even-an-email']) {
          const res = await login({ email: who, password });
          expect(res.statusCode, `${who} / ${password.length} chars`).toBe(401);
          expect(res.body, `${who} / ${password.length} chars`).toBe('{"error":"invalid credentials"}');
        }
      }
      // The right password still works; a body without the fields is malformed (400 naming the field).
      expect((await login({ email, password: 'password123' })).statusCode).toBe(200);
      const missing = await login({ email });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().field).toBe('password');
      expect((await login({ email, password: 12345678 })).json()).toMatchObject({ field: 'password' });
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
      const metrics = parseExposition((await app.inject('/metrics')).body);
      // 2 + 1 answered 429 above, each counted once.
      expect(valueOf(metrics, 'todo_logins_total', { result: 'rate_limited' })).toBe(3);

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

    it.each([
      ['POST', { title: 'ok', status: 'finished' }],
      ['PUT', { status: true }],
      ['PATCH', { status: 'DONE' }],
    ] as const)('says which statuses exist: %s %j → 400 "status: must be one of …", once', async (method, body) => {
      const t = (await call('POST', '/api/tasks', { title: 'statuses' })).json<Task>();
      const res = await call(method, method === 'POST' ? '/api/tasks' : `/api/tasks/${t.id}`, body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: 'status: must be one of "pending", "in_progress", "done"',
        field: 'status',
        details: [{ field: 'status', message: 'must be one of "pending", "in_progress", "done"' }],
      });
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

      const put = await call('PUT', `/api/tasks/${t.id}`, { title: 'renamed' });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ id: t.id, title: 'renamed', description: 'd', status: 'done', inserted_at: t.inserted_at });

      const del = await call('DELETE', `/api/tasks/${t.id}`);
      expect(del.statusCode).toBe(200);
      expect(del.json()).toEqual({ message: 'Task deleted' });
      expect((await call('GET', `/api/tasks/${t.id}`)).statusCode).toBe(404);
      expect((await call('DELETE', `/api/tasks/${t.id}`)).statusCode).toBe(404);
    });

    it('PUT and PATCH update any non-empty subset of title, description, status; the rest keeps its value', async () => {
      const initial = { title: 'partial', description: 'keep me', status: 'pending' };
      const t = (await call('POST', '/api/tasks', initial)).json<Task>();
      const cases: Array<[object, Partial<Task>]> = [
        [{ status: 'done' }, { title: 'partial', description: 'keep me', status: 'done' }],
        [{ title: 'Write the runbook', status: 'in_progress' }, { title: 'Write the runbook', description: 'keep me', status: 'in_progress' }],
        [{ description: null }, { title: 'Write the runbook', description: null, status: 'in_progress' }],
        [{ description: 'back', title: 't', status: 'pending' }, { title: 't', description: 'back', status: 'pending' }],
      ];
      for (const method of ['PUT', 'PATCH'] as const) {
        expect((await call('PATCH', `/api/tasks/${t.id}`, initial)).statusCode).toBe(200);
        for (const [body, expected] of cases) {
          const res = await call(method, `/api/tasks/${t.id}`, body);
          expect(res.statusCode, `${method} ${JSON.stringify(body)}`).toBe(200);
          expect(res.json(), `${method} ${JSON.stringify(body)}`).toMatchObject({ id: t.id, ...expected });
        }
      }
      // A task read with GET can be sent back as it is: the fields the client may not set are ignored.
      const read = (await call('GET', `/api/tasks/${t.id}`)).json<Task>();
      const back = await call('PUT', `/api/tasks/${t.id}`, { ...read, title: 'round trip', user_id: '00000000-0000-0000-0000-000000000000' });
      expect(back.statusCode).toBe(200);
      expect(back.json()).toMatchObject({ id: t.id, title: 'round trip', user_id: read.user_id, inserted_at: read.inserted_at });
    });

    it.each(['PUT', 'PATCH'] as const)('%s with an empty body, or none of the task fields, is 400', async (method) => {
      const { id } = (await call('POST', '/api/tasks', { title: 'unchanged' })).json<Task>();
      for (const body of [{}, { foo: 1 }, { id, inserted_at: '2020-01-01T00:00:00Z' }]) {
        const res = await call(method, `/api/tasks/${id}`, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json().error, JSON.stringify(body)).toMatch(/title, description, status/);
      }
      const none = await app.inject({ method, url: `/api/tasks/${id}`, headers: { authorization: auth } });
      expect(none.statusCode).toBe(400);
      expect((await call('GET', `/api/tasks/${id}`)).json()).toMatchObject({ title: 'unchanged', status: 'pending', description: null });
    });

    it.each([
      ['POST', { title: 12345 }, 'title'],
      ['POST', { title: 'ok', status: true }, 'status'],
      ['POST', { title: 'ok', description: 42 }, 'description'],
      ['POST', { title: ['a'] }, 'title'],
      ['PUT', { title: 12345 }, 'title'],
      ['PUT', { status: true }, 'status'],
      ['PATCH', { status: 1 }, 'status'],
      ['PATCH', { description: false }, 'description'],
    ] as const)('types JSON bodies strictly: %s %j → 400 naming %s, nothing stored', async (method, body, field) => {
      const t = (await call('POST', '/api/tasks', { title: 'strict' })).json<Task>();
      const before = (await call('GET', '/api/tasks?limit=100')).json<Task[]>().length;
      const res = await call(method, method === 'POST' ? '/api/tasks' : `/api/tasks/${t.id}`, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe(field);
      expect(res.json().error).toContain(field);
      expect((await call('GET', '/api/tasks?limit=100')).json<Task[]>()).toHaveLength(before);
      expect((await call('GET', `/api/tasks/${t.id}`)).json()).toMatchObject({ title: 'strict', status: 'pending', description: null });
    });

    it('still coerces query strings (?limit=5), and refuses a query value that is not a number', async () => {
      const other = await newUser(app);
      for (let i = 0; i < 7; i++) expect((await call('POST', '/api/tasks', { title: `q${i}` }, other.auth)).statusCode).toBe(201);
      const five = await call('GET', '/api/tasks?limit=5', undefined, other.auth);
      expect(five.statusCode).toBe(200);
      expect(five.json<Task[]>().map((x) => x.title)).toEqual(['q6', 'q5', 'q4', 'q3', 'q2']);
      expect((await call('GET', '/api/tasks?limit=5&offset=5', undefined, other.auth)).json<Task[]>().map((x) => x.title)).toEqual(['q1', 'q0']);
      const bad = await call('GET', '/api/tasks?limit=five', undefined, other.auth);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe('limit');
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
    it('counts a known sequence exactly, by value, on the real /metrics endpoint (and passes promtool check metrics)', async () => {
      // A fresh app (its own registry, so every count starts at 0) listening on a real port. The
      // suite's app is closed first: PGlite's files are not opened twice.
      await app.close();
      app = await startTestApp(env, deps);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const http = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, init).then(async (r) => ({ status: r.status, body: await r.text() }));
      const json = (method: string, body: object, auth?: string): RequestInit => ({
        method,
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify(body),
      });

      // register + login, 3 × GET /api/tasks, 2 × POST /api/tasks, 1 × unknown route, 1 × 401.
      const email = `metrics-${factory.name.replace(/\W+/g, '-')}@example.org`;
      expect((await http('/api/register', json('POST', { email, password: 'password123' }))).status).toBe(201);
      const login = await http('/api/login', json('POST', { email, password: 'password123' }));
      expect(login.status).toBe(200);
      const auth = `Bearer ${(JSON.parse(login.body) as { token: string }).token}`;
      for (let i = 0; i < 3; i++) expect((await http('/api/tasks', { headers: { authorization: auth } })).status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await http('/api/tasks', json('POST', { title: `m${i}` }, auth))).status).toBe(201);
      expect((await http('/no/such/path/42')).status).toBe(404);
      expect((await http('/api/tasks')).status).toBe(401);
      // Health probes and scrapes are not traffic: they appear nowhere below.
      expect((await http('/health/ready')).status).toBe(200);

      const samples = await scrape(base);
      const http_ = histogramSeries(samples, 'http_server_request_duration_seconds');
      const counts = Object.fromEntries([...http_.values()].map((s) => [`${s.labels.method} ${s.labels.route} ${s.labels.status_code}`, s.count]));
      expect(counts).toEqual({
        'POST /api/register 201': 1,
        'POST /api/login 200': 1,
        'GET /api/tasks 200': 3,
        'POST /api/tasks 201': 2,
        'GET unmatched 404': 1,
        'GET /api/tasks 401': 1,
      });
      for (const [key, s] of [...http_, ...histogramSeries(samples, 'db_client_operation_duration_seconds')]) {
        expect(s.sum, key).toBeGreaterThan(0);
        expect(s.buckets.get('+Inf'), key).toBe(s.count);
        const cumulative = [...s.buckets.values()];
        expect(cumulative, key).toEqual([...cumulative].sort((a, b) => a - b));
      }
      expect(samples.some((s) => s.labels.route?.startsWith('/health') || s.labels.route === '/metrics' || s.labels.route?.includes('42'))).toBe(false);
      expect(valueOf(samples, 'http_server_active_requests')).toBe(0);

      // Statements by operation and table: the start-up check for the demo user (1 SELECT users),
      // register (INSERT users), login (SELECT users), and every task request's user check (SELECT
      // users) before its own statement; the 401 and the 404 never reach the database.
      const db = Object.fromEntries([...histogramSeries(samples, 'db_client_operation_duration_seconds').values()].map((s) => [`${s.labels.operation} ${s.labels.table}`, s.count]));
      expect(db).toEqual({ 'SELECT users': 1 + 1 + 3 + 2, 'INSERT users': 1, 'SELECT tasks': 3, 'INSERT tasks': 2 });
      expect(samplesOf(samples, 'db_client_errors_total')).toEqual([]);

      const pool = factory.name === 'pglite' ? 1 : 10;
      expect(valueOf(samples, 'db_client_connection_count', { state: 'used' })).toBe(0);
      expect(valueOf(samples, 'db_client_connection_count', { state: 'idle' })).toBe(pool);
      expect(valueOf(samples, 'db_client_connection_max')).toBe(pool);
      expect(samples.some((s) => s.name.startsWith('db_client_connections'))).toBe(false);
      expect(valueOf(samples, 'todo_database_up')).toBe(1);
      // Nothing conflicted: no statement or transaction had to be run again.
      expect(valueOf(samples, 'db_client_retries_total', { code: '40001' })).toBe(0);
      expect(valueOf(samples, 'db_client_retries_total', { code: '40P01' })).toBe(0);

      expect(valueOf(samples, 'todo_tasks_created_total')).toBe(2);
      expect(valueOf(samples, 'todo_tasks_updated_total')).toBe(0);
      expect(valueOf(samples, 'todo_tasks_deleted_total')).toBe(0);
      expect(valueOf(samples, 'todo_users_registered_total')).toBe(1);
      expect(valueOf(samples, 'todo_logins_total', { result: 'success' })).toBe(1);
      expect(valueOf(samples, 'todo_logins_total', { result: 'failure' })).toBe(0);
      expect(valueOf(samples, 'todo_logins_total', { result: 'rate_limited' })).toBe(0);
      for (const fault of ['latency', 'error', 'db_slowdown', 'cpu_burn']) expect(valueOf(samples, 'todo_fault_active', { fault }), fault).toBe(0);
      expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(valueOf(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);

      const text = await (await fetch(`${base}/metrics`)).text();
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.error).toBeUndefined();
      // One known lint: promlint reserves "_count" for histograms and summaries, but
      // db_client_connection_count is OpenTelemetry's stable db.client.connection.count as its
      // Prometheus exporter names it (a gauge); the contract keeps that name on purpose.
      expect(`${check.stdout}${check.stderr}`.trim()).toBe('db_client_connection_count non-histogram and non-summary metrics should not have "_count" suffix');
    });

    it('counts updates, deletes and failed logins by value', async () => {
      const { auth } = await newUser(app);
      const before = parseExposition((await app.inject('/metrics')).body);
      const t = (await app.inject({ method: 'POST', url: '/api/tasks', headers: { authorization: auth }, payload: { title: 'u' } })).json<Task>();
      await app.inject({ method: 'PUT', url: `/api/tasks/${t.id}`, headers: { authorization: auth }, payload: { status: 'done' } });
      await app.inject({ method: 'PATCH', url: `/api/tasks/${t.id}`, headers: { authorization: auth }, payload: { title: 'v' } });
      await app.inject({ method: 'DELETE', url: `/api/tasks/${t.id}`, headers: { authorization: auth } });
      await app.inject({ method: 'POST', url: '/api/login', remoteAddress: '10.66.0.1', payload: { email: 'nobody@example.org', password: 'x' } });
      const after = parseExposition((await app.inject('/metrics')).body);
      const grew = (name: string, labels: Record<string, string> = {}) => (valueOf(after, name, labels) ?? 0) - (valueOf(before, name, labels) ?? 0);
      expect(grew('todo_tasks_created_total')).toBe(1);
      expect(grew('todo_tasks_updated_total')).toBe(2);
      expect(grew('todo_tasks_deleted_total')).toBe(1);
      expect(grew('todo_logins_total', { result: 'failure' })).toBe(1);
      expect(grew('todo_logins_total', { result: 'success' })).toBe(0);
      expect(grew('db_client_operation_duration_seconds_count', { operation: 'UPDATE', table: 'tasks' })).toBe(2);
      expect(grew('db_client_operation_duration_seconds_count', { operation: 'DELETE', table: 'tasks' })).toBe(1);
      for (const [method, status] of [['PUT', '200'], ['PATCH', '200'], ['DELETE', '200']]) {
        expect(grew('http_server_request_duration_seconds_count', { method: method as string, route: '/api/tasks/:id', status_code: status as string }), method).toBe(1);
      }
      expect(grew('http_server_request_duration_seconds_count', { method: 'POST', route: '/api/login', status_code: '401' })).toBe(1);
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
      expect((await app.inject('/api/faults')).json()).toEqual(NO_FAULTS);
      const first = await put({ latency: { ms: 600, route: '/api/tasks', method: 'GET' }, cpu_burn: { ms: 1 } });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({ ...NO_FAULTS, latency: { ms: 600, route: '/api/tasks', method: 'GET' }, cpu_burn: { ms: 1 } });
      const gauges = async () => {
        const m = parseExposition((await app.inject('/metrics')).body);
        return {
          active: Object.fromEntries(['latency', 'error', 'db_slowdown', 'cpu_burn'].map((fault) => [fault, valueOf(m, 'todo_fault_active', { fault })])),
          latency: valueOf(m, 'todo_fault_latency_seconds'),
          error: valueOf(m, 'todo_fault_error_probability'),
          db: valueOf(m, 'todo_fault_db_delay_seconds'),
          cpu: valueOf(m, 'todo_fault_cpu_burn_seconds'),
        };
      };
      expect(await gauges()).toEqual({ active: { latency: 1, error: 0, db_slowdown: 0, cpu_burn: 1 }, latency: 0.6, error: 0, db: 0, cpu: 0.001 });
      // PUT replaces: what is omitted is off.
      const second = await put({ error: { probability: 0.25 } });
      expect(second.json()).toEqual({ ...NO_FAULTS, error: { probability: 0.25 } });
      expect(await gauges()).toEqual({ active: { latency: 0, error: 1, db_slowdown: 0, cpu_burn: 0 }, latency: 0, error: 0.25, db: 0, cpu: 0 });
      const cleared = await clear();
      expect(cleared.json()).toEqual(NO_FAULTS);
      expect(await gauges()).toEqual({ active: { latency: 0, error: 0, db_slowdown: 0, cpu_burn: 0 }, latency: 0, error: 0, db: 0, cpu: 0 });
    });

    it.each([
      [{ latency: { ms: -1 } }, 'latency.ms'],
      [{ latency: { ms: 10, probability: 2 } }, 'latency.probability'],
      [{ latency: {} }, 'latency.ms'],
      [{ error: { probability: 0.5, status: 302 } }, 'error.status'],
      [{ error: { probability: 0.5, status: 600 } }, 'error.status'],
      [{ error: { status: 500 } }, 'error.probability'],
      [{ db_slowdown: { ms: 'slow' } }, 'db_slowdown.ms'],
      [{ latency: { ms: '600' } }, 'latency.ms'],
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
        const m = parseExposition((await app.inject('/metrics')).body);
        const le = (b: string) => valueOf(m, 'db_client_operation_duration_seconds_bucket', { le: b, operation: 'SELECT', table: 'tasks' }) ?? 0;
        return le('+Inf') - le('0.1');
      };
      const before = await slowBucket();
      await put({ db_slowdown: { ms: 150 } });
      const t = Date.now();
      expect((await tasks()).statusCode).toBe(200);
      expect(Date.now() - t).toBeGreaterThanOrEqual(290); // two statements: the user check and the list
      await clear();
      expect(await slowBucket()).toBe(before + 1);
      expect(valueOf(parseExposition((await app.inject('/metrics')).body), 'todo_fault_db_delay_seconds')).toBe(0);
    });

    it('burns CPU per request', async () => {
      await put({ cpu_burn: { ms: 120 } });
      const t = performance.now();
      await app.inject('/api/ping');
      expect(performance.now() - t).toBeGreaterThanOrEqual(115);
      await clear();
    });
  });
  // Only behind the CockroachDB rule checker: what the app does because the server is CockroachDB.
  describe.runIf(factory.rules)('as a CockroachDB client', () => {
    const rules = factory.rules as NonNullable<typeof factory.rules>;

    it('detects CockroachDB from version() and connects with the DDL session settings set explicitly', () => {
      expect(app.db.driver.system).toBe('cockroachdb');
      expect(rules.sessionSettings).toEqual({ autocommit_before_ddl: 'off', create_table_with_schema_locked: 'off' });
    });

    it('runs a request whose statement the server aborts with 40001 again: one task, answered normally, retries counted', async () => {
      const { auth } = await newUser(app);
      const counted = async () => Number(/db_client_retries_total\{code="40001"\} (\d+)/.exec((await app.inject('/metrics')).body)?.[1]);
      const before = await counted();
      const injectedBefore = rules.injected;
      rules.failNextCommits(2);
      const res = await app.inject({ method: 'POST', url: '/api/tasks', headers: { authorization: auth }, payload: { title: 'contended' } });
      expect(res.statusCode).toBe(201);
      expect(rules.injected - injectedBefore).toBe(2);
      const list = (await app.inject({ url: '/api/tasks?limit=100', headers: { authorization: auth } })).json<Task[]>();
      expect(list.map((t) => t.title)).toEqual(['contended']);
      expect(await counted()).toBe(before + 2);
    });

    it('sent nothing CockroachDB refuses, in all the tests above', () => {
      expect(rules.violations).toEqual([]);
    });
  });
});
