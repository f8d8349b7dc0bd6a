import type { Context } from '@opentelemetry/api';
import type { Database } from './database.js';

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
}

/** The optional `trace` is the request's OpenTelemetry context: the statement's span becomes its child. */
export class UsersRepository {
  constructor(private readonly db: Database) {}

  /** Inserts a user; undefined when the email is taken (one statement, no race between check and insert). */
  async create(email: string, passwordHash: string, trace?: Context): Promise<{ id: string; email: string } | undefined> {
    const rows = await this.db.run<{ id: string; email: string }>({
      operation: 'INSERT',
      table: 'users',
      text: 'INSERT INTO users (email, password_hash) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING RETURNING id, email',
      params: [email, passwordHash],
    }, trace);
    return rows[0];
  }

  async findByEmail(email: string, trace?: Context): Promise<UserRow | undefined> {
    const rows = await this.db.run<UserRow>({
      operation: 'SELECT',
      table: 'users',
      text: 'SELECT id, email, password_hash FROM users WHERE email = $1',
      params: [email],
    }, trace);
    return rows[0];
  }

  /** Replaces a user's password hash (a bcrypt hash rehashed as scrypt after a successful login). */
  async updatePasswordHash(id: string, passwordHash: string, trace?: Context): Promise<void> {
    await this.db.run({
      operation: 'UPDATE',
      table: 'users',
      text: 'UPDATE users SET password_hash = $2 WHERE id = $1',
      params: [id, passwordHash],
    }, trace);
  }

  async exists(id: string, trace?: Context): Promise<boolean> {
    const rows = await this.db.run({ operation: 'SELECT', table: 'users', text: 'SELECT 1 AS one FROM users WHERE id = $1', params: [id] }, trace);
    return rows.length > 0;
  }

  async delete(id: string, trace?: Context): Promise<boolean> {
    const rows = await this.db.run({ operation: 'DELETE', table: 'users', text: 'DELETE FROM users WHERE id = $1 RETURNING id', params: [id] }, trace);
    return rows.length > 0;
  }
}
