import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RETRYABLE_CODES } from '../db/retry.js';

/**
 * Buckets of db_client_operation_duration_seconds: finer than the HTTP ones at the low end (an
 * indexed lookup takes well under a millisecond) and with 0.5 as a bound like the HTTP histogram,
 * so a 500 ms slowdown fault lands exactly on a bucket edge.
 */
export const DB_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type DbOperation = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

/** The todo API's own metrics; names are a contract with the dashboards and alert rules. */
export interface AppMetrics {
  dbDuration: Histogram<'operation' | 'table'>;
  dbErrors: Counter<'operation'>;
  dbConnectionCount: Gauge<'state'>;
  dbConnectionMax: Gauge;
  dbConnectionWait: Histogram;
  dbRetries: Counter<'code'>;
  databaseUp: Gauge;
  tasksCreated: Counter;
  tasksUpdated: Counter;
  tasksDeleted: Counter;
  usersRegistered: Counter;
  logins: Counter<'result'>;
}

export function createAppMetrics(
  registry: Registry,
  pool: () => { used: number; idle: number; max: number; pending: number },
  retries: () => Readonly<Record<string, number>> = () => ({}),
): AppMetrics {
  const registers = [registry];
  // Named after OpenTelemetry's stable db.client.connection.max and db.client.connection.count.
  const dbConnectionMax = new Gauge({
    name: 'db_client_connection_max',
    help: 'Maximum number of connections the database client pool may open (semconv db.client.connection.max).',
    registers,
    collect() {
      this.set(pool().max);
    },
  });
  const metrics: AppMetrics = {
    dbDuration: new Histogram({
      name: 'db_client_operation_duration_seconds',
      help: 'Duration of database statements, by operation and table.',
      labelNames: ['operation', 'table'],
      buckets: DB_DURATION_BUCKETS,
      enableExemplars: true,
      registers,
    }),
    dbErrors: new Counter({
      name: 'db_client_errors_total',
      help: 'Database statements that failed, by operation.',
      labelNames: ['operation'],
      registers,
    }),
    dbConnectionCount: new Gauge({
      name: 'db_client_connection_count',
      help: 'Database client pool connections, by state (idle or used) (semconv db.client.connection.count).',
      labelNames: ['state'],
      registers,
      collect() {
        const s = pool();
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'used' }, s.used);
      },
    }),
    dbConnectionMax,
    // Semconv db.client.connection.wait_time / .pending_requests: a pool running dry (the
    // pool_limit fault, or real traffic beyond POOL_SIZE) shows here before anywhere else.
    dbConnectionWait: new Histogram({
      name: 'db_client_connection_wait_time_seconds',
      help: 'Time statements waited for a database connection.',
      buckets: DB_DURATION_BUCKETS,
      registers,
    }),
    dbRetries: new Counter({
      name: 'db_client_retries_total',
      help: 'Transactions and statements run again after a retryable error (40001 serialization failure, 40P01 deadlock), by SQLSTATE.',
      labelNames: ['code'],
      registers,
      // The driver counts them (it retries before this registry exists, e.g. during migrations),
      // so the counter mirrors the driver's totals at scrape time.
      collect() {
        const totals = retries();
        this.reset();
        for (const code of RETRYABLE_CODES) this.inc({ code }, totals[code] ?? 0);
      },
    }),
    databaseUp: new Gauge({ name: 'todo_database_up', help: 'Whether the last database check succeeded (1) or not (0).', registers }),
    tasksCreated: new Counter({ name: 'todo_tasks_created_total', help: 'Tasks created.', registers }),
    tasksUpdated: new Counter({ name: 'todo_tasks_updated_total', help: 'Tasks updated (PUT or PATCH).', registers }),
    tasksDeleted: new Counter({ name: 'todo_tasks_deleted_total', help: 'Tasks deleted.', registers }),
    usersRegistered: new Counter({ name: 'todo_users_registered_total', help: 'Users registered.', registers }),
    logins: new Counter({ name: 'todo_logins_total', help: 'Login attempts, by result (success, failure, rate_limited).', labelNames: ['result'], registers }),
  };
  new Gauge({
    name: 'db_client_connection_pending_requests',
    help: 'Statements waiting for a database connection.',
    registers,
    collect() {
      this.set(pool().pending);
    },
  });
  // Series exist from the start, so rate() and alerts see 0 rather than "no data".
  for (const result of ['success', 'failure', 'rate_limited']) metrics.logins.inc({ result }, 0);
  for (const state of ['idle', 'used']) metrics.dbConnectionCount.set({ state }, 0);
  return metrics;
}
