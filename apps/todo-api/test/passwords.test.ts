import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { PasswordHasher, parseScryptHash } from '../src/auth/passwords.ts';
import { postgresql, startTestApp } from './helpers.ts';

const cheap = { scrypt: { ln: 10, r: 8, p: 1 } };

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(cheap);

  it('hashes with scrypt in a self-describing PHC string, salted', async () => {
    const a = await hasher.hash('correct horse');
    const b = await hasher.hash('correct horse');
    expect(a).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(parseScryptHash(a)?.params).toEqual({ ln: 10, r: 8, p: 1 });
    expect(await hasher.verify('correct horse', a)).toEqual({ ok: true, rehash: false });
    expect(await hasher.verify('wrong horse', a)).toEqual({ ok: false, rehash: false });
  });

  it('accepts bcrypt hashes and asks for a rehash only after a match', async () => {
    const old = bcrypt.hashSync('verysecret', 4);
    expect(await hasher.verify('verysecret', old)).toEqual({ ok: true, rehash: true });
    expect(await hasher.verify('nope', old)).toEqual({ ok: false, rehash: false });
    // With bcrypt as the current scheme (the benchmark's "before"), bcrypt hashes stay.
    expect(await new PasswordHasher({ scheme: 'bcrypt', bcryptRounds: 4 }).verify('verysecret', old)).toEqual({ ok: true, rehash: false });
  });

  it('asks to rehash weaker scrypt parameters, and never matches a corrupt or unknown hash', async () => {
    const weak = await new PasswordHasher({ scrypt: { ln: 4, r: 8, p: 1 } }).hash('pw');
    expect(await hasher.verify('pw', weak)).toEqual({ ok: true, rehash: true });
    for (const bad of ['', 'plain', '$scrypt$ln=40,r=8,p=1$AAAA$AAAA', '$argon2id$v=19$m=65536,t=3,p=4$abc$def', '$scrypt$ln=10,r=8,p=1$!!$!!']) {
      expect(await hasher.verify('pw', bad), bad).toEqual({ ok: false, rehash: false });
    }
  });
});

describe('a bcrypt hash from before is rehashed on the next successful login', () => {
  let app: App;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    const db = await postgresql.create();
    dispose = db.dispose;
    app = await startTestApp(db.env, { passwords: cheap });
  });
  afterAll(async () => {
    await app?.close();
    await dispose?.();
  });

  const storedHash = async (email: string) =>
    (await app.db.run<{ password_hash: string }>({ operation: 'SELECT', table: 'users', text: 'SELECT password_hash FROM users WHERE email = $1', params: [email] }))[0]?.password_hash;
  const login = (password: string) => app.inject({ method: 'POST', url: '/api/login', remoteAddress: '10.9.8.7', payload: { email: 'old@example.org', password } });

  it('logs in with the old hash, stores a scrypt one, and keeps logging in', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/register', payload: { email: 'old@example.org', password: 'password123' } })).statusCode).toBe(201);
    expect(await storedHash('old@example.org')).toMatch(/^\$scrypt\$/);
    // As an account created before the change would be stored.
    await app.db.run({ operation: 'UPDATE', table: 'users', text: 'UPDATE users SET password_hash = $2 WHERE email = $1', params: ['old@example.org', bcrypt.hashSync('password123', 4)] });
    expect((await login('wrong-password')).statusCode).toBe(401);
    expect(await storedHash('old@example.org')).toMatch(/^\$2[aby]\$/);
    expect((await login('password123')).statusCode).toBe(200);
    const after = await storedHash('old@example.org');
    expect(after).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    expect((await login('password123')).statusCode).toBe(200);
    expect(await storedHash('old@example.org')).toBe(after);
  });
});
