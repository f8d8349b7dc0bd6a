import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import bcrypt from 'bcryptjs';

/**
 * Password hashing off the event loop. New hashes are scrypt (node:crypto runs it on libuv's
 * thread pool, so a burst of logins no longer stalls every other request), stored self-describing
 * in the PHC string format:
 *
 *   $scrypt$ln=14,r=8,p=1$<salt, base64>$<hash, base64>      (N = 2^ln)
 *
 * Older bcrypt hashes ($2a$/$2b$/$2y$, bcryptjs: pure JavaScript on the main thread) are still
 * accepted; `verify` says when a hash should be replaced, and the login route rehashes it after the
 * next successful login. So do hashes with weaker scrypt parameters than the current ones.
 */
export type PasswordScheme = 'scrypt' | 'bcrypt';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  r: number;
  p: number;
}

export interface PasswordPolicy {
  /** The scheme of new hashes. bcrypt only to measure the old behaviour (bench/todo-api.bench.ts). */
  scheme: PasswordScheme;
  scrypt: ScryptParams;
  /** bcrypt cost of new hashes when scheme is bcrypt. */
  bcryptRounds: number;
}

/**
 * N = 2^14, r = 8 (16 MiB, ≈ 65 ms here, about bcrypt cost 10). OWASP's current floor is N = 2^17
 * or N = 2^14 with p = 5; the lab keeps logins cheap for load tests, and the parameters live in
 * each hash, so raising them later rehashes every account on its next login.
 */
export const DEFAULT_SCRYPT: ScryptParams = { ln: 14, r: 8, p: 1 };
/** bcrypt cost of the old scheme; 10 is ≈ 90 ms per hash on the lab machines. */
export const DEFAULT_ROUNDS = 10;
export const DEFAULT_POLICY: PasswordPolicy = { scheme: 'scrypt', scrypt: DEFAULT_SCRYPT, bcryptRounds: DEFAULT_ROUNDS };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Bounds on parameters read from a stored hash, so a corrupt row cannot ask for gigabytes. */
const LIMITS = { ln: [1, 20], r: [1, 32], p: [1, 16] } as const;
const PHC = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;
const BCRYPT = /^\$2[aby]\$\d{2}\$/;

function scryptAsync(password: string, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

export function parseScryptHash(stored: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | undefined {
  const m = PHC.exec(stored);
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  for (const k of ['ln', 'r', 'p'] as const) {
    const [lo, hi] = LIMITS[k];
    if (params[k] < lo || params[k] > hi) return undefined;
  }
  return { params, salt: Buffer.from(m[4] as string, 'base64'), hash: Buffer.from(m[5] as string, 'base64') };
}

export class PasswordHasher {
  readonly policy: PasswordPolicy;

  constructor(policy: Partial<PasswordPolicy> = {}) {
    this.policy = { ...DEFAULT_POLICY, ...policy, scrypt: { ...DEFAULT_SCRYPT, ...policy.scrypt } };
  }

  async hash(password: string): Promise<string> {
    if (this.policy.scheme === 'bcrypt') return bcrypt.hash(password, this.policy.bcryptRounds);
    const { ln, r, p } = this.policy.scrypt;
    const salt = randomBytes(SALT_LENGTH);
    const key = await scryptAsync(password, salt, KEY_LENGTH, this.policy.scrypt);
    return `$scrypt$ln=${ln},r=${r},p=${p}$${b64(salt)}$${b64(key)}`;
  }

  /**
   * Whether `password` matches `stored`, and whether `stored` should be replaced by a fresh hash
   * of the current policy (another scheme, or weaker scrypt parameters). Unknown formats never match.
   */
  async verify(password: string, stored: string): Promise<{ ok: boolean; rehash: boolean }> {
    const scryptHash = parseScryptHash(stored);
    if (scryptHash) {
      const key = await scryptAsync(password, scryptHash.salt, scryptHash.hash.length, scryptHash.params);
      const ok = key.length === scryptHash.hash.length && timingSafeEqual(key, scryptHash.hash);
      const current = this.policy.scrypt;
      const weaker = scryptHash.params.ln < current.ln || scryptHash.params.r < current.r || scryptHash.params.p < current.p;
      return { ok, rehash: ok && this.policy.scheme === 'scrypt' && weaker };
    }
    if (BCRYPT.test(stored)) {
      const ok = await bcrypt.compare(password, stored);
      return { ok, rehash: ok && this.policy.scheme !== 'bcrypt' };
    }
    return { ok: false, rehash: false };
  }
}
