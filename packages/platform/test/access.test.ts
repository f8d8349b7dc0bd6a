import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  HostList,
  isLoopbackHost,
  LAB_SESSION_COOKIE,
  labSessionValue,
  parseAuthority,
  parseHostEntry,
  platformHosts,
  readAccessConfig,
  registerControlPlane,
  registerJsonErrors,
  registerPublic,
  serverOptions,
} from '@o11y/platform';

describe('host entries', () => {
  it('parses host, host:port, [v6]:port and bare IPv6; refuses the rest', () => {
    expect(parseHostEntry('Lab.Example.')).toEqual({ host: 'lab.example', port: undefined });
    expect(parseHostEntry('todo-api:4000')).toEqual({ host: 'todo-api', port: 4000 });
    expect(parseHostEntry('[::1]:8081')).toEqual({ host: '::1', port: 8081 });
    expect(parseHostEntry('::1')).toEqual({ host: '::1', port: undefined });
    expect(parseHostEntry('*')).toBe('*');
    for (const bad of ['a b', 'evil@localhost', 'host:0', 'host:65536', 'host:port', 'x\r\ny', '']) expect(parseHostEntry(bad), bad).toBeUndefined();
  });

  it('reads a Host header with the default port when it has none', () => {
    expect(parseAuthority('localhost:8081', 80)).toEqual({ host: 'localhost', port: 8081 });
    expect(parseAuthority('LAB.example', 443)).toEqual({ host: 'lab.example', port: 443 });
    expect(parseAuthority(undefined, 80)).toBeUndefined();
    expect(parseAuthority('*', 80)).toBeUndefined();
  });

  it('allows a bare host on every port, host:port on that port only', () => {
    const list = HostList.parse('lab.example, 10.0.0.5:8000');
    expect(list.allows('LAB.example', 1)).toBe(true);
    expect(list.allows('10.0.0.5', 8000)).toBe(true);
    expect(list.allows('10.0.0.5', 8081)).toBe(false);
    expect(list.describe()).toBe('lab.example, 10.0.0.5:8000');
  });

  it("the platform's names: loopback, PUBLIC_BASE_URL, service URLs, compose names, ALLOWED_HOSTS", () => {
    const hosts = platformHosts({ PUBLIC_BASE_URL: 'https://lab.example.org', GRAFANA_URL: 'https://grafana.example.org/', ALLOWED_HOSTS: '203.0.113.7,lab.local:8080' });
    for (const [h, p] of [['localhost', 1], ['127.0.0.1', 8081], ['::1', 4000], ['lab.example.org', 443], ['grafana.example.org', 443], ['portal', 8000], ['todo-api-cluster', 4000], ['203.0.113.7', 80], ['lab.local', 8080]] as const) {
      expect(hosts.allows(h, p), `${h}:${p}`).toBe(true);
    }
    expect(hosts.allows('lab.local', 80)).toBe(false);
    expect(hosts.allows('evil.example', 80)).toBe(false);
  });

  it('LAB_DOMAIN: the domain and <service id>.<LAB_DOMAIN> for every service, nothing beneath them', () => {
    const hosts = platformHosts({ LAB_DOMAIN: 'Alice.Class.Example.com.' });
    for (const h of ['alice.class.example.com', 'load-generator.alice.class.example.com', 'grafana.alice.class.example.com', 'todo-api.alice.class.example.com']) expect(hosts.allows(h, 80), h).toBe(true);
    for (const h of ['bob.class.example.com', 'evil.alice.class.example.com', 'load-generator.bob.class.example.com', 'class.example.com']) expect(hosts.allows(h, 80), h).toBe(false);
  });

  it('loopback listen addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'lab.example']) expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe('readAccessConfig', () => {
  const read = (env: Record<string, string>, listenHost = '127.0.0.1') => {
    const problems: string[] = [];
    const config = readAccessConfig(env, { listenHost, labToken: true }, problems);
    if (problems.length) throw new ConfigError(problems);
    return config;
  };
  it('requires LAB_TOKEN beyond loopback and says how to set it; never echoes a bad token', () => {
    expect(read({}).labToken).toBeUndefined();
    expect(() => read({}, '0.0.0.0')).toThrow(/LAB_TOKEN: required because HOST=0\.0\.0\.0 .*openssl rand/);
    expect(read({ LAB_TOKEN: 'sixteen-chars-ok' }, '0.0.0.0').labToken).toBe('sixteen-chars-ok');
    try {
      read({ LAB_TOKEN: 'tooshort123' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toContain('at least 16 characters');
      expect((e as Error).message).not.toContain('tooshort123');
    }
    expect(() => read({ ALLOWED_HOSTS: 'ok, not a host' })).toThrow(/ALLOWED_HOSTS: "not a host"/);
    expect(read({ PUBLIC_BASE_URL: 'https://lab.example' }).secureCookie).toBe(true);
  });

  it('LAB_DOMAIN gives the cookie a Domain when it has two labels or more; a bad one is refused by name', () => {
    expect(read({ LAB_DOMAIN: 'lab.localhost' }).cookieDomain).toBe('lab.localhost');
    expect(read({ LAB_DOMAIN: 'Alice.Class.Example.com' }).cookieDomain).toBe('alice.class.example.com');
    // A single label is a top-level domain to browsers: the cookie stays host-only.
    expect(read({ LAB_DOMAIN: 'localhost' }).cookieDomain).toBeUndefined();
    expect(read({}).cookieDomain).toBeUndefined();
    for (const bad of ['http://lab.example', 'lab.example:80', '10.0.0.5', 'not a domain', '*']) expect(() => read({ LAB_DOMAIN: bad }), bad).toThrow(/LAB_DOMAIN: .* is not a DNS name/);
  });
});

describe('the control-plane guard on a Fastify app', () => {
  const TOKEN = 'platform-test-lab-token';
  let app: FastifyInstance;
  afterEach(() => app?.close());

  async function build(env: Record<string, string> = { LAB_TOKEN: TOKEN }): Promise<FastifyInstance> {
    app = Fastify({ ...serverOptions() });
    registerJsonErrors(app);
    const problems: string[] = [];
    await registerControlPlane(app, readAccessConfig(env, { labToken: true }, problems), 'The test app');
    app.get('/health/live', async () => ({ ok: true }));
    app.get('/api/thing', async () => ({ thing: 1 }));
    app.post('/api/thing', async () => ({ changed: true }));
    await registerPublic(app, async (scope) => {
      scope.get('/', async () => 'page');
    });
    await app.ready();
    return app;
  }

  it('checks Host everywhere but health, Origin on state changes, LAB_TOKEN on non-public routes', async () => {
    await build();
    expect((await app.inject({ url: '/health/live', headers: { host: 'evil.example' } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/', headers: { host: 'evil.example' } })).statusCode).toBe(403);
    expect((await app.inject({ url: '/' })).statusCode).toBe(200);
    const unauth = await app.inject({ url: '/api/thing' });
    expect(unauth.statusCode).toBe(401);
    expect(unauth.json()).toMatchObject({ sign_in: '/login' });
    expect(unauth.headers['www-authenticate']).toContain('Bearer');
    expect((await app.inject({ url: '/api/nothing' })).statusCode).toBe(401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await app.inject({ url: '/api/thing', headers: auth })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/thing', headers: { ...auth, origin: 'http://localhost:3000' } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/thing', headers: { ...auth, origin: 'https://evil.example' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/thing', headers: { ...auth, origin: 'https://evil.example' } })).statusCode).toBe(200);
  });

  it('/login sets an HttpOnly SameSite=Strict cookie derived from the token; the form posts it', async () => {
    await build();
    const page = await app.inject({ url: '/login' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post" action="/login"');
    const posted = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${TOKEN}` });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers['set-cookie']).toBe(`${LAB_SESSION_COOKIE}=${labSessionValue(TOKEN)}; Path=/; Max-Age=2592000; HttpOnly; SameSite=Strict`);
    expect(labSessionValue(TOKEN)).not.toContain(TOKEN);
    const cookie = `${LAB_SESSION_COOKIE}=${labSessionValue(TOKEN)}`;
    expect((await app.inject({ url: '/api/thing', headers: { cookie } })).statusCode).toBe(200);
    // Another token's cookie does not open this lab.
    expect((await app.inject({ url: '/api/thing', headers: { cookie: `${LAB_SESSION_COOKIE}=${labSessionValue('another-lab-token-000')}` } })).statusCode).toBe(401);
    const json = await app.inject({ method: 'POST', url: '/login', payload: { token: 'wrong' } });
    expect(json.statusCode).toBe(401);
    expect(json.json()).toMatchObject({ field: 'token' });
    // Form posts are parsed on /login only: elsewhere they stay unsupported.
    expect((await app.inject({ method: 'POST', url: '/api/thing', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' })).statusCode).toBe(415);
    const out = await app.inject({ method: 'POST', url: '/logout' });
    expect(out.headers['set-cookie']).toContain('Max-Age=0');
  });

  it('without LAB_TOKEN only Host and Origin are checked, and /login leads home', async () => {
    await build({});
    expect((await app.inject({ url: '/api/thing' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/login?token=x' })).statusCode).toBe(303);
    expect((await app.inject({ method: 'POST', url: '/api/thing', headers: { origin: 'null' } })).statusCode).toBe(403);
  });

  it('with LAB_DOMAIN the cookie covers the domain; signing out clears it and a host-only one', async () => {
    await build({ LAB_TOKEN: TOKEN, LAB_DOMAIN: 'lab.example' });
    const res = await app.inject({ url: `/login?token=${TOKEN}`, headers: { host: 'load-generator.lab.example' } });
    expect(res.headers['set-cookie']).toBe(`${LAB_SESSION_COOKIE}=${labSessionValue(TOKEN)}; Path=/; Domain=lab.example; Max-Age=2592000; HttpOnly; SameSite=Strict`);
    const out = await app.inject({ method: 'POST', url: '/logout', headers: { host: 'lab.example' } });
    expect(out.headers['set-cookie']).toEqual([
      `${LAB_SESSION_COOKIE}=; Path=/; Domain=lab.example; Max-Age=0; HttpOnly; SameSite=Strict`,
      `${LAB_SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`,
    ]);
    // Reached by another of its names (a port-forward to localhost), the cookie stays on that host: a browser would refuse the Domain.
    const forwarded = await app.inject({ url: `/login?token=${TOKEN}`, headers: { host: 'localhost:8000' } });
    expect(forwarded.headers['set-cookie']).toBe(`${LAB_SESSION_COOKIE}=${labSessionValue(TOKEN)}; Path=/; Max-Age=2592000; HttpOnly; SameSite=Strict`);
    expect((await app.inject({ method: 'POST', url: '/logout', headers: { host: 'localhost:8000' } })).headers['set-cookie']).toBe(`${LAB_SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`);
    // The Ingress hosts are the lab's names; others are not.
    expect((await app.inject({ url: '/api/thing', headers: { host: 'grafana.lab.example', authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/thing', headers: { host: 'lab.example.evil.test', authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(403);
  });

  it('a Secure cookie when PUBLIC_BASE_URL is https', async () => {
    await build({ LAB_TOKEN: TOKEN, PUBLIC_BASE_URL: 'https://lab.example' });
    const res = await app.inject({ url: `/login?token=${TOKEN}`, headers: { host: 'lab.example' } });
    expect(res.headers['set-cookie']).toMatch(/; Secure$/);
  });
});
