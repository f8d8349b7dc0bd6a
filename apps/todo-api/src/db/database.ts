import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { ReadinessCheck } from '@o11y/platform';
import { observeTraced, type Logger } from '@o11y/telemetry';
import type { AppMetrics, DbOperation } from '../telemetry/metrics.js';
import { ConnectionGate } from './connection-gate.js';
import { DatabaseUnavailableError, describeError, isUnavailable, sqlState, type Driver, type PoolStats } from './driver.js';

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
  /** What the fault injector does to statements; absent: nothing. */
  faults?: StatementFaults;
  /** How often the background check refreshes todo_database_up, in ms. */
  checkIntervalMs?: number;
}

/**
 * What the fault injector may do to statements. The database layer asks; it never imports the
 * faults (they depend on it, not the other way round).
 */
export interface StatementFaults {
  /** Extra time the statement spends holding its connection (db_slowdown), ms; 0 for none. */
  delayMs(st: Statement): number;
  /** Whether that delay may be named on the span (not when the fault is hidden). */
  delayVisible(): boolean;
  /** Whether statements fail as if the server were gone (db_outage). */
  outage(): boolean;
  /** Connections the app may use when fewer than the pool's (pool_limit); undefined: the pool's. */
  connectionLimit(): number | undefined;
  /** How long each statement keeps its connection after it finished (pool_limit), ms. */
  holdMs(): number;
}

/**
 * The instrumented face of the SQL layer. Every statement of every request goes through
 * `run`, so the DB histogram, the error counter, the child span, the connection gate and the
 * database faults are applied in one place and identically for both adapters.
 */
export class Database {
  private up = true;
  private timer: NodeJS.Timeout | undefined;
  private readonly gate: ConnectionGate;
  private readonly holds = new Set<NodeJS.Timeout>();

  constructor(
    readonly driver: Driver,
    private readonly options: DatabaseOptions,
  ) {
    options.metrics?.databaseUp.set(1);
    const poolSize = driver.stats().max;
    this.gate = new ConnectionGate(
      poolSize,
      () => options.faults?.connectionLimit(),
      options.metrics ? (seconds) => options.metrics && observeTraced(options.metrics.dbConnectionWait, {}, seconds, undefined) : undefined,
    );
  }

  /** The pool as the app uses it: connections in use, free, the limit, and statements waiting. */
  poolStats(): PoolStats & { pending: number } {
    const max = this.gate.max;
    return { used: this.gate.used, idle: Math.max(0, max - this.gate.used), max, pending: this.gate.pending };
  }

  /**
   * The pool_limit fault changed: connections still held past their statement are given back when
   * holding is over, and waiting statements go in if the limit rose.
   */
  poolFaultChanged(): void {
    if ((this.options.faults?.holdMs() ?? 0) === 0) {
      for (const hold of this.holds) clearTimeout(hold);
      for (let i = 0; i < this.holds.size; i++) this.gate.release();
      this.holds.clear();
    }
    this.gate.admit();
  }

  /**
   * Runs one statement; its span is a child of `parent` (the request's trace context), if given.
   * Under the pool_limit fault it first waits for a connection here, and its span and duration
   * start once it has one, as a pool's would. Otherwise it goes to the driver at once, which queues
   * it when every connection is busy (traffic beyond POOL_SIZE): that wait is then inside the
   * span and duration too. Either way db_client_connection_wait_time_seconds has the wait alone
   * (see ConnectionGate).
   */
  async run<T = Record<string, unknown>>(st: Statement, parent?: Context): Promise<T[]> {
    const admitted = this.gate.acquire();
    if (admitted) await admitted;
    let holdMs = 0;
    try {
      const rows = await this.runAdmitted<T>(st, parent);
      holdMs = this.options.faults?.holdMs() ?? 0;
      return rows;
    } finally {
      if (holdMs > 0) this.hold(holdMs);
      else this.gate.release();
    }
  }

  /** Keeps the connection `ms` after its statement, as code holding it through slow work would. */
  private hold(ms: number): void {
    const timer = setTimeout(() => {
      this.holds.delete(timer);
      this.gate.release();
    }, ms);
    timer.unref();
    this.holds.add(timer);
  }

  private async runAdmitted<T>(st: Statement, parent?: Context): Promise<T[]> {
    const { metrics, tracer, faults } = this.options;
    const delayMs = faults?.delayMs(st) ?? 0;
    let span: Span | undefined;
    if (tracer) {
      // Built in place rather than with conditional spreads: this runs for every statement.
      const { target } = this.driver;
      const attributes: Attributes = {
        'db.system.name': this.driver.system,
        'db.namespace': target.namespace,
        'db.operation.name': st.operation,
        'db.collection.name': st.table,
        'db.query.text': st.text,
        'server.address': target.address,
      };
      if (target.port) attributes['server.port'] = target.port;
      if (delayMs > 0 && faults?.delayVisible()) attributes['fault.db_delay_seconds'] = delayMs / 1000;
      span = tracer.startSpan(`${st.operation} ${st.table}`, { kind: SpanKind.CLIENT, attributes }, parent ?? ROOT_CONTEXT);
    }
    const started = process.hrtime.bigint();
    try {
      if (faults?.outage()) throw this.lostConnection();
      if (delayMs > 0) await this.slowDown(delayMs);
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

  /**
   * The slowdown holds the statement's connection, so it shows up where an operator would look
   * for a slow database: the DB histogram, the DB span, the pool's "used" gauge. On a server it is
   * a real pg_sleep (the server's own statistics see it too); PGlite runs in this process and its
   * pg_sleep would stall the whole event loop, so there it is a timer.
   */
  private async slowDown(ms: number): Promise<void> {
    if (this.driver.inProcess) await new Promise((r) => setTimeout(r, ms));
    else await this.driver.query('SELECT pg_sleep($1)', [ms / 1000]);
  }

  /** The db_outage fault fails statements with what a lost server gives: a refused connection. */
  private lostConnection(): Error {
    const { address, port } = this.driver.target;
    return Object.assign(new Error(`connect ECONNREFUSED ${address}:${port}`), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect', address, port });
  }

  /**
   * A cheap round trip, bounded in time, outside metrics, the gate and the other faults (it is the
   * probe, not traffic); a db_outage fails it as a lost server would.
   */
  async check(timeoutMs = 2000): Promise<ReadinessCheck> {
    let timer: NodeJS.Timeout | undefined;
    try {
      if (this.options.faults?.outage()) throw this.lostConnection();
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
