import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@o11y/platform';
import { MIN_SECRET_LENGTH } from '../config.js';

export const SECRET_FILE = 'jwt-secret';

/**
 * The HS256 key. JWT_SECRET wins; without it (development) a random secret is generated once
 * and kept in the data directory, so tokens survive a restart without anyone choosing a secret.
 * Production refuses to guess: readConfig already rejects a missing or short JWT_SECRET there.
 */
export function resolveJwtSecret(config: { JWT_SECRET?: string; DATA_DIR: string; NODE_ENV: string }): Uint8Array {
  if (config.JWT_SECRET) return new TextEncoder().encode(config.JWT_SECRET);
  if (config.NODE_ENV === 'production') throw new ConfigError([`JWT_SECRET: must be set (≥ ${MIN_SECRET_LENGTH} characters) when NODE_ENV=production`]);
  const file = join(config.DATA_DIR, SECRET_FILE);
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= MIN_SECRET_LENGTH) return new TextEncoder().encode(kept);
  } catch {
    /* first start: generate below */
  }
  mkdirSync(config.DATA_DIR, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return new TextEncoder().encode(secret);
}
