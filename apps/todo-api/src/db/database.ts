import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Context, type Tracer } from '@opentelemetry/api';
import type { ReadinessCheck } from '@o11y/platform';
import { observeTraced, type Logger } from '@o11y/telemetry';
import type { AppMetrics, DbOperation } from '../telemetry/metrics.js';
import { DatabaseUnavailableError, describeError, isUnavailable, sqlState, type Driver } from './driver.js';

export interface Statement {
  operation: DbOperation;
  /** The table the statement is about (db.collection.name and the metric's `table` label). */
  table: string;
  text: string;
  params?: unknown[];
}

export interface DatabaseOptions {
  logger: Logger;
  /** Absent when telemetry is off: no histogram, no spans. */
  metrics?: AppMetrics;
  tracer?: Tracer;
  /** Seconds of server-side delay to add to each statement (the db_slowdown fault). */
  delaySeconds?: () => number;
  /** How often the background check refreshes todo_database_up, in ms. */
  checkIntervalMs?: number;
}

/**
 * The instrumented face of the SQL layer. Every statement of every request goes through
 * `run`, so the DB histogram, the error counter, the child span and the slowdown fault are
 * applied in one place and identically for both adapters.
 */
export class Database {
  private up = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly driver: Driver,
    private readonly options: DatabaseOptions,
  ) {
    options.metrics?.databaseUp.set(1);
  }

  /** Runs one statement; its span is a child of `parent` (the request's trace context), if given. */
  async run<T = Record<string, unknown>>(st: Statement, parent?: Context): Promise<T[]> {
    const { metrics, tracer } = this.options;
    const delay = this.options.delaySeconds?.() ?? 0;
    const span = tracer?.startSpan(
      `${st.operation} ${st.table}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': this.driver.system,
          'db.namespace': this.driver.target.namespace,
          'db.operation.name': st.operation,
          'db.collection.name': st.table,
          'db.query.text': st.text,
          'server.address': this.driver.target.address,
          ...(this.driver.target.port ? { 'server.port': this.driver.target.port } : {}),
          ...(delay > 0 ? { 'fault.db_delay_seconds': delay } : {}),
        },
      },
      parent ?? ROOT_CONTEXT,
    );
    const started = process.hrtime.bigint();
    try {
      // The slowdown is a real pg_sleep on the server rather than a timer here, so it holds a
      // connection and shows up where an operator would look for a slow database: the DB
      // histogram, the DB span and the pool's "used" gauge.
      if (delay > 0) await this.driver.query('SELECT pg_sleep($1)', [delay]);
      const rows = await this.driver.query<T>(st.text, st.params);
      this.markUp();
      return rows;
    } catch (err) {
      metrics?.dbErrors.inc({ operation: st.operation });
      const code = sqlState(err);
      span?.setAttribute('error.type', code ?? (err as Error).name ?? 'Error');
      span?.recordException(err as Error);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: describeError(err) });
      if (isUnavailable(err)) {
        this.markDown(err);
        throw new DatabaseUnavailableError(err);
      }
      throw err;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (metrics) observeTraced(metrics.dbDuration, { operation: st.operation, table: st.table }, seconds, span?.spanContext());
      span?.end();
    }
  }

  /** A cheap round trip, bounded in time, outside metrics and faults (it is the probe, not traffic). */
  async check(timeoutMs = 2000): Promise<ReadinessCheck> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.driver.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
        }),
      ]);
      this.markUp();
      return { ok: true, checks: { database: 'up' } };
    } catch (err) {
      this.markDown(err);
      return { ok: false, checks: { database: `down: ${describeError(err)}` } };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Keeps todo_database_up current even when no request touches the database. The timer is not
   * unref'd: close() clears it, and one left running must show (it keeps the process alive).
   */
  startMonitor(): void {
    const every = this.options.checkIntervalMs ?? 5000;
    this.timer = setInterval(() => void this.check(), every);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.driver.close();
  }

  /** The gauge follows `up`, so it changes only on a transition (not on every statement). */
  private markUp(): void {
    if (this.up) return;
    this.up = true;
    this.options.logger.info({ database: this.driver.target.address }, 'database reachable again');
    this.options.metrics?.databaseUp.set(1);
  }

  private markDown(err: unknown): void {
    if (!this.up) return;
    this.up = false;
    this.options.logger.error(
      { database: this.driver.target.address, err: describeError(err) },
      'database unreachable: requests get 503 until it returns (reconnects automatically)',
    );
    this.options.metrics?.databaseUp.set(0);
  }
}
