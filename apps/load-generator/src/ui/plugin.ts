import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { registerPublic } from '@o11y/platform';
import { defaultAllowlist } from '../config.js';
import { ErrorSchema, TokenBodySchema, UiConfigSchema, type TokenBody } from '../contract/schemas.js';
import { checkAllowed } from '../engine/target.js';
import { InputError } from '../errors.js';

/** `apps/load-generator/dist/public`, from both src/ui (tests) and dist/ui (built). */
export const DEFAULT_PUBLIC_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../dist/public');

export interface UiPluginOptions {
  /** Where `scripts/build-ui.mjs` put the page (default: the app's dist/public). */
  publicDir?: string;
  /** The todo API's base URL (config TODO_API_URL), shown in the form and used for suggestions. */
  todoApiUrl?: string;
  /** Hosts `POST /api/token` may log in to (config TARGET_ALLOWLIST); default: the default allowlist for todoApiUrl. */
  allowlist?: readonly string[];
  /** Login timeout in ms (default 10 s). */
  loginTimeoutMs?: number;
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * The load generator's web page, plus two small helpers for it:
 * - `GET /api/ui/config` → `{todo_api_url}` (the browser cannot know the todo API's address);
 * - `POST /api/token {login_url, email, password}` → `{token}`: logs in to the todo API from the
 *   server, because the todo API is on another origin and the browser's CORS rules would block it.
 *   Only hosts in the allowlist are contacted, so it is not an open proxy.
 */
export const uiPlugin: FastifyPluginAsync<UiPluginOptions> = async (app, opts) => {
  const root = opts.publicDir ?? DEFAULT_PUBLIC_DIR;
  const todoApiUrl = opts.todoApiUrl?.replace(/\/+$/, '') ?? null;
  const allowlist = opts.allowlist ?? defaultAllowlist(todoApiUrl ?? 'http://127.0.0.1:4000');
  const loginTimeoutMs = opts.loginTimeoutMs ?? 10_000;

  app.get('/api/ui/config', { schema: { response: { 200: UiConfigSchema } } }, async () => ({ todo_api_url: todoApiUrl }));

  app.post<{ Body: TokenBody }>(
    '/api/token',
    {
      schema: {
        body: TokenBodySchema,
        response: { 200: Type.Object({ token: Type.String() }), 400: ErrorSchema, 403: ErrorSchema, 502: ErrorSchema },
      },
    },
    async (request, reply) => {
      try {
        return await login(request.body);
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        return reply.code(err.statusCode).send({ error: err.message, ...(err.field ? { field: err.field } : {}) });
      }
    },
  );

  async function login({ login_url, email, password }: TokenBody): Promise<{ token: string }> {
    let url: URL;
    try {
      url = new URL(login_url);
    } catch {
      throw new HttpError(400, `login_url is not a valid URL: ${JSON.stringify(login_url.slice(0, 200))}`, 'login_url');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpError(400, 'login_url must be http:// or https://', 'login_url');
    try {
      checkAllowed(url, allowlist, 'login_url');
    } catch (err) {
      if (err instanceof InputError) throw new HttpError(err.statusCode, err.message, err.field);
      throw err;
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ email, password }),
        signal: AbortSignal.timeout(loginTimeoutMs),
        redirect: 'manual',
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new HttpError(502, `cannot reach ${url.origin} (${cause})`, 'login_url');
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw new HttpError(502, `login at ${url.href} answered ${res.status} (a redirect): redirects are never followed with credentials`, 'login_url');
    }
    const text = await res.text();
    let data: { token?: unknown; error?: unknown } = {};
    try {
      data = JSON.parse(text) as typeof data;
    } catch {
      /* not JSON: reported below */
    }
    if (!res.ok) {
      const why = typeof data.error === 'string' ? data.error : text.slice(0, 200);
      throw new HttpError(res.status === 401 || res.status === 400 ? 400 : 502, `login at ${url.href} answered ${res.status}: ${why}`, 'auth');
    }
    if (typeof data.token !== 'string' || !data.token) throw new HttpError(502, `login at ${url.href} answered without a token`, 'auth');
    return { token: data.token };
  }

  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'web UI not built: run `npm run build:ui -w apps/load-generator`');
    app.get('/', { config: { access: 'public' } }, async (_req, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The web UI is not built. Run `npm run build:ui -w apps/load-generator` (or `npm run build`). The API is at /api/runs.'),
    );
    return;
  }

  // The page's files need no LAB_TOKEN: the page shows a sign-in form when the API answers 401.
  await registerPublic(app, async (scope) => {
    await scope.register(fastifyStatic, {
      root,
      prefix: '/',
      index: 'index.html',
      decorateReply: false,
      setHeaders(reply, path) {
        // The page itself is always revalidated so a rebuild shows up; assets use ETag/Last-Modified.
        if (path.endsWith('.html')) reply.header('cache-control', 'no-cache');
      },
    });
  });
};
