import bcrypt from 'bcryptjs';

/** bcrypt cost; 10 is ≈ 70 ms per hash on the lab machines, which the login rate limit bounds. */
export const DEFAULT_ROUNDS = 10;

export function hashPassword(password: string, rounds = DEFAULT_ROUNDS): Promise<string> {
  return bcrypt.hash(password, rounds);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

/**
 * A hash to compare against when the email is unknown, so an unknown email costs the same
 * time as a wrong password and the two cannot be told apart by timing either.
 */
export function dummyHash(rounds = DEFAULT_ROUNDS): string {
  return bcrypt.hashSync('not-a-real-password', rounds);
}
