import type { Context } from '@opentelemetry/api';
import type { Database } from './database.js';

export type TaskStatus = 'pending' | 'in_progress' | 'done';

export interface Task {
  id: string;
  title: string;
  description: string | null;
  status: TaskStatus;
  user_id: string;
  inserted_at: Date;
  updated_at: Date;
}

export interface TaskChanges {
  title?: string;
  description?: string | null;
  status?: TaskStatus;
}

const COLUMNS = 'id, title, description, status, user_id, inserted_at, updated_at';

/**
 * Every statement is scoped by user_id, so another user's task is simply "not found". The optional
 * `trace` is the request's OpenTelemetry context: the statement's span becomes its child.
 */
export class TasksRepository {
  constructor(private readonly db: Database) {}

  list(userId: string, limit: number, offset: number, trace?: Context): Promise<Task[]> {
    return this.db.run<Task>({
      operation: 'SELECT',
      table: 'tasks',
      text: `SELECT ${COLUMNS} FROM tasks WHERE user_id = $1 ORDER BY inserted_at DESC, id DESC LIMIT $2 OFFSET $3`,
      params: [userId, limit, offset],
    }, trace);
  }

  async get(userId: string, id: string, trace?: Context): Promise<Task | undefined> {
    const rows = await this.db.run<Task>({
      operation: 'SELECT',
      table: 'tasks',
      text: `SELECT ${COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2`,
      params: [id, userId],
    }, trace);
    return rows[0];
  }

  async create(userId: string, t: { title: string; description: string | null; status: TaskStatus }, trace?: Context): Promise<Task> {
    // clock_timestamp() rather than now(): tasks created in quick succession keep their order.
    const rows = await this.db.run<Task>({
      operation: 'INSERT',
      table: 'tasks',
      text: `INSERT INTO tasks (user_id, title, description, status, inserted_at, updated_at)
             VALUES ($1, $2, $3, $4, clock_timestamp(), clock_timestamp()) RETURNING ${COLUMNS}`,
      params: [userId, t.title, t.description, t.status],
    }, trace);
    return rows[0] as Task;
  }

  /** Applies the given fields only (PATCH), or all of them (PUT passes every field). */
  async update(userId: string, id: string, changes: TaskChanges, trace?: Context): Promise<Task | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id, userId];
    for (const key of ['title', 'description', 'status'] as const) {
      if (changes[key] !== undefined) {
        params.push(changes[key]);
        sets.push(`${key} = $${params.length}`);
      }
    }
    sets.push('updated_at = clock_timestamp()');
    const rows = await this.db.run<Task>({
      operation: 'UPDATE',
      table: 'tasks',
      text: `UPDATE tasks SET ${sets.join(', ')} WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
      params,
    }, trace);
    return rows[0];
  }

  async delete(userId: string, id: string, trace?: Context): Promise<boolean> {
    const rows = await this.db.run({
      operation: 'DELETE',
      table: 'tasks',
      text: 'DELETE FROM tasks WHERE id = $1 AND user_id = $2 RETURNING id',
      params: [id, userId],
    }, trace);
    return rows.length > 0;
  }
}
