import { jwtVerify, SignJWT } from 'jose';

export const ISSUER = 'todo-api';

export interface TokenService {
  issue(userId: string): Promise<string>;
  /** The user id, or undefined for anything not signed by us with HS256 and unexpired. */
  verify(token: string): Promise<string | undefined>;
}

/** Verified tokens kept in memory (most requests repeat the same few tokens). */
const CACHE_SIZE = 10_000;

export function createTokenService(secret: Uint8Array, ttlSeconds: number): TokenService {
  // jose verifies through WebCrypto, which costs more per call than the rest of a GET /api/tasks
  // together. A token is immutable and carries its own expiry, so a verified one can be
  // remembered (keyed by the whole string, signature included) until it expires; the user
  // lookup still happens on every request.
  const verified = new Map<string, { sub: string; exp: number }>();
  const remember = (token: string, sub: string, exp: number) => {
    if (verified.size >= CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token, { sub, exp });
  };
  return {
    issue: (userId) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + Math.round(ttlSeconds))
        .sign(secret),
    verify: async (token) => {
      const hit = verified.get(token);
      if (hit) {
        if (hit.exp * 1000 > Date.now()) return hit.sub;
        verified.delete(token);
        return undefined;
      }
      try {
        // Pinning the algorithm is what rejects `alg: none` and RS/HS confusion.
        const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], issuer: ISSUER });
        if (typeof payload.sub !== 'string') return undefined;
        if (typeof payload.exp === 'number') remember(token, payload.sub, payload.exp);
        return payload.sub;
      } catch {
        return undefined;
      }
    },
  };
}
