import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessConfig } from './config.js';
import { registerPublic } from './guard.js';
import { parseAuthority } from './hosts.js';
import { LAB_SESSION_COOKIE, labSessionValue, sameSecret } from './secrets.js';

/** How long a sign-in lasts. Changing LAB_TOKEN ends every session at once. */
export const LAB_SESSION_MAX_AGE_S = 30 * 24 * 3600;

type Outcome = 'form' | 'wrong' | 'missing';

const MESSAGES: Record<Exclude<Outcome, 'form'>, { en: string; ru: string }> = {
  wrong: { en: 'That is not this lab’s access token.', ru: 'Это не токен доступа этой лаборатории.' },
  missing: { en: 'Enter the access token.', ru: 'Введите токен доступа.' },
};

/** The sign-in page: a form that posts the token to /login. Nothing from the request is echoed. */
export function signInPage(outcome: Outcome, appName: string): string {
  const msg = outcome === 'form' ? null : MESSAGES[outcome];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · o11y-platform</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f5f7fb;color:#1f2937;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border:1px solid #dbe1ea;border-radius:12px;padding:28px;max-width:440px;margin:16px;box-shadow:0 2px 8px rgba(0,0,0,.05)}
h1{font-size:1.3rem;margin:0 0 8px}p{margin:8px 0}label{display:block;font-weight:600;margin:16px 0 6px}
input{width:100%;box-sizing:border-box;padding:10px;font:inherit;border:1px solid #9aa5b5;border-radius:8px}
button{margin-top:14px;padding:10px 18px;font:inherit;font-weight:600;color:#fff;background:#2563eb;border:0;border-radius:8px;cursor:pointer}
.error{color:#b91c1c;font-weight:600}.muted{color:#5b6473;font-size:.9rem}code{background:#eef2f7;padding:1px 4px;border-radius:4px}
</style></head>
<body><main>
<h1>Sign in to the lab · Вход в лабораторию</h1>
<p class="muted">${appName}: this lab is protected by an access token (<code>LAB_TOKEN</code>). One sign-in covers every service of this host.</p>
<p class="muted" lang="ru">Лаборатория защищена токеном доступа (<code>LAB_TOKEN</code>). Одного входа хватает для всех сервисов на этом хосте.</p>
${msg ? `<p class="error" role="alert" data-role="sign-in-error">${msg.en} <span lang="ru">${msg.ru}</span></p>` : ''}
<form method="post" action="/login" data-role="sign-in">
<label for="token">Access token · Токен доступа</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in · Войти</button>
</form>
<p class="muted">Where is it? <code>LAB_TOKEN</code> in <code>.env</code> (docker compose), or the sign-in link the portal prints when it starts.</p>
</main></body></html>
`;
}

function wantsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/.test(request.headers.accept ?? '');
}

/**
 * `GET /login` (the form, or `?token=` from the printed link), `POST /login` (the form: urlencoded
 * or JSON `{token}`) and `POST /logout`. The right token sets the session cookie (HttpOnly,
 * SameSite=Strict, Path=/; cookies ignore ports, so it covers every service of the host, and with
 * LAB_DOMAIN it gets `Domain=<LAB_DOMAIN>`, covering every <service>.<LAB_DOMAIN> too) and redirects to `/`; a wrong one is a 401 page (or JSON for API clients). Without LAB_TOKEN
 * there is nothing to sign in to: `/login` redirects to `/`.
 */
export async function registerLoginRoutes(app: FastifyInstance, access: AccessConfig, appName: string): Promise<void> {
  const token = access.labToken;
  const session = token ? labSessionValue(token) : undefined;
  const attributes = (domain: string | undefined) => `; Path=/${domain ? `; Domain=${domain}` : ''}`;
  const cookie = (value: string, maxAge: number, domain: string | undefined) =>
    `${LAB_SESSION_COOKIE}=${value}${attributes(domain)}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${access.secureCookie ? '; Secure' : ''}`;
  /**
   * The cookie's Domain for this request: LAB_DOMAIN when the request came by one of its hosts; a
   * browser refuses a Domain the host is not within (a port-forward to localhost), so then none.
   */
  const domainFor = (request: FastifyRequest): string | undefined => {
    const domain = access.cookieDomain;
    const host = domain ? parseAuthority(request.headers.host, 80)?.host : undefined;
    return domain && host && (host === domain || host.endsWith(`.${domain}`)) ? domain : undefined;
  };
  // Signing out clears the domain cookie and a host-only one this host may hold.
  const cleared = (request: FastifyRequest) => {
    const domain = domainFor(request);
    return domain ? [cookie('', 0, domain), cookie('', 0, undefined)] : cookie('', 0, undefined);
  };

  const answer = (request: FastifyRequest, reply: FastifyReply, given: unknown) => {
    // The token may arrive in the URL: keep it out of caches and of Referer headers to other
    // sites. (Not no-referrer: browsers then send `Origin: null` with the form, which is refused.)
    reply.header('cache-control', 'no-store').header('referrer-policy', 'same-origin');
    if (!token || !session) return reply.redirect('/', 303);
    if (given === undefined) return reply.code(200).type('text/html; charset=utf-8').send(signInPage('form', appName));
    if (typeof given === 'string' && given !== '' && sameSecret(given, token)) {
      return reply.header('set-cookie', cookie(session, LAB_SESSION_MAX_AGE_S, domainFor(request))).redirect('/', 303);
    }
    const outcome = typeof given === 'string' && given !== '' ? 'wrong' : 'missing';
    reply.code(401);
    if (wantsHtml(request)) return reply.type('text/html; charset=utf-8').send(signInPage(outcome, appName));
    return reply.send({ error: `${MESSAGES[outcome].en} Sign in with LAB_TOKEN.`, field: 'token' });
  };

  await registerPublic(app, async (scope) => {
    // Form posts are parsed here only: every other route keeps refusing them (415).
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    const hide = { hide: true } as Record<string, unknown>;
    scope.get('/login', { schema: hide }, async (request, reply) => answer(request, reply, (request.query as { token?: unknown }).token));
    scope.post('/login', { schema: hide }, async (request, reply) => {
      const body = request.body as { token?: unknown } | undefined;
      return answer(request, reply, body && typeof body === 'object' ? (body.token ?? '') : '');
    });
    scope.post('/logout', { schema: hide }, async (request, reply) =>
      reply.header('set-cookie', cleared(request)).header('cache-control', 'no-store').redirect(token ? '/login' : '/', 303),
    );
  });
}
