import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Compares two secrets in constant time. Both are hashed first, so neither the content nor the
 * length of the expected secret leaks through timing.
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
  return m?.[1];
}

/** The session cookie set by /login: its value is derived from LAB_TOKEN, never the token itself. */
export const LAB_SESSION_COOKIE = 'o11y_lab_session';

/**
 * The session cookie's value for a LAB_TOKEN: an HMAC of a fixed label keyed by the token. Every
 * app holding the same LAB_TOKEN derives the same value (one sign-in covers the host), a stolen
 * cookie does not reveal the token, a forged one does not match, and changing LAB_TOKEN signs
 * everyone out.
 */
export function labSessionValue(labToken: string): string {
  return `v1.${createHmac('sha256', labToken).update('o11y-lab-session').digest('base64url')}`;
}

/** One cookie's value from the Cookie header (the first occurrence wins, as browsers send the most specific first). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface BearerGuardOptions {
  /** The variable that holds the secret, named in messages (ADMIN_TOKEN, ALERT_WEBHOOK_TOKEN). */
  variable: string;
  /** What the secret guards, for messages: "Changing faults". */
  action: string;
  /** When the secret is not configured: the hint on how to set it (the request is refused with 403). */
  unsetHint: string;
}

/**
 * A route hook that requires `Authorization: Bearer <secret>`: 401 (with WWW-Authenticate) for a
 * missing or wrong token, 403 when no secret is configured at all (nobody can pass, and the
 * message says how to configure one).
 */
export function requireBearer(secret: string | undefined, opts: BearerGuardOptions) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (secret === undefined || secret === '') {
      await reply.code(403).send({ error: `${opts.action} needs ${opts.variable}, and none is configured: ${opts.unsetHint}` });
      return;
    }
    const given = bearerToken(request);
    if (given === undefined || !sameSecret(given, secret)) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: `${opts.action} requires Authorization: Bearer <${opts.variable}>${given === undefined ? '' : ' (the token sent is not it)'}` });
    }
  };
}
