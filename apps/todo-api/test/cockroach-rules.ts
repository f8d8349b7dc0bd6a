/**
 * A checker of CockroachDB's documented transaction rules, over the real PostgreSQL server: no
 * CockroachDB binary or image can be had on these machines, and PostgreSQL happily accepts what
 * CockroachDB refuses. It sits where the server would, under the driver's retry layer
 * (PostgresOptions.intercept), and:
 * - refuses a schema change after a write in the same explicit transaction, with CockroachDB's own
 *   error (SQLSTATE 0A000, "schema change statement cannot follow a statement that has written in
 *   the same transaction"); CockroachDB supports DDL "only within implicit transactions (individual
 *   statements)", so a query string that batches DDL with other statements is refused too:
 *   https://www.cockroachlabs.com/docs/stable/online-schema-changes#schema-changes-within-transactions
 * - refuses statements CockroachDB does not implement that a PostgreSQL habit could bring in:
 *   advisory locks (the usual migration lock), LOCK TABLE, LISTEN/NOTIFY, CREATE EXTENSION,
 *   pg_terminate_backend;
 * - fails the next N transactions (or implicit statements) at commit with 40001, the way a
 *   contended CockroachDB does, after really rolling them back;
 * - answers `version()` as CockroachDB and `SHOW <variable>` for CockroachDB-only session variables
 *   from the startup parameters the app asked for, so connect.ts takes its CockroachDB path.
 * Everything else runs on PostgreSQL unchanged.
 */
import { decorateDriver, type BaseDriver, type Driver, type SqlExecutor } from '../src/db/driver.ts';
import { openPostgres, type PostgresOptions } from '../src/db/postgres.ts';

export const COCKROACH_VERSION = 'CockroachDB CCL v26.2.4 (x86_64-pc-linux-gnu, built 2026/07/15 00:00:00, go1.25.4) [rule checker over PostgreSQL]';

/** Session variables CockroachDB documents and PostgreSQL does not have (sent as startup parameters). */
const COCKROACH_ONLY_VARIABLES = new Set(['autocommit_before_ddl', 'create_table_with_schema_locked', 'sql_safe_updates', 'experimental_enable_temp_tables']);

const UNSUPPORTED: [RegExp, string][] = [
  [/\bpg_(try_)?advisory(_xact)?_(un)?lock(_shared)?\s*\(/i, 'advisory locks'],
  [/^\s*LOCK\s+(TABLE\s+)?\w/i, 'LOCK TABLE'],
  [/^\s*(LISTEN|UNLISTEN|NOTIFY)\b/i, 'LISTEN/NOTIFY'],
  [/^\s*CREATE\s+EXTENSION\b/i, 'CREATE EXTENSION'],
  [/\bpg_terminate_backend\s*\(/i, 'pg_terminate_backend (CockroachDB has CANCEL SESSION)'],
];

type Kind = 'ddl' | 'write' | 'other';

function kindOf(statement: string): Kind {
  const s = statement.replace(/^\s*(--[^\n]*\n\s*)*/, '').trim();
  if (/^(CREATE|ALTER|DROP|TRUNCATE|COMMENT\s+ON|GRANT|REVOKE)\b/i.test(s)) return 'ddl';
  if (/^(INSERT|UPDATE|DELETE|UPSERT)\b/i.test(s)) return 'write';
  if (/^WITH\b/i.test(s) && /\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b/i.test(s)) return 'write';
  return 'other';
}

/** Splits a simple-protocol query string into statements (our SQL has no ';' inside literals). */
function statementsOf(text: string): string[] {
  return text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function cockroachError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

export interface CockroachRules {
  /** For ConnectOptions.openPostgres / AppDeps.connect.openPostgres. */
  open(options: PostgresOptions): Promise<Driver>;
  /** For PostgresOptions.intercept, when a test opens the pool itself. */
  wrap(base: BaseDriver): BaseDriver;
  /** The next `n` commits (transactions or implicit statements) fail with 40001 after a real rollback. */
  failNextCommits(n: number): void;
  /** 40001s injected so far. */
  readonly injected: number;
  /** Statements refused so far, with the reason. */
  readonly violations: readonly string[];
  /** CockroachDB-only session variables the app asked for at connect (startup parameters). */
  readonly sessionSettings: Readonly<Record<string, string>>;
}

export function cockroachRules(): CockroachRules {
  let pendingFailures = 0;
  let injected = 0;
  const violations: string[] = [];
  const settings: Record<string, string> = {};

  const refuse = (code: string, message: string, statement: string): never => {
    violations.push(`${message}: ${statement.replace(/\s+/g, ' ').slice(0, 120)}`);
    throw cockroachError(code, message);
  };
  const checkSupported = (statement: string) => {
    for (const [re, what] of UNSUPPORTED) {
      if (re.test(statement)) refuse('0A000', `unimplemented: ${what} is not supported by CockroachDB`, statement);
    }
  };
  const injectedFailure = () => {
    injected++;
    return cockroachError(
      '40001',
      'restart transaction: TransactionRetryWithProtoRefreshError: WriteTooOldError: write for key /Table/… at timestamp … too old (injected by the test\'s CockroachDB rule checker)',
    );
  };
  const takeFailure = () => {
    if (pendingFailures === 0) return false;
    pendingFailures--;
    return true;
  };

  const answer = (text: string): Record<string, unknown>[] | undefined => {
    if (/^\s*SELECT\s+version\(\)(\s+AS\s+version)?\s*$/i.test(text)) return [{ version: COCKROACH_VERSION }];
    const show = /^\s*SHOW\s+([a-z_]+)\s*$/i.exec(text);
    const name = show?.[1]?.toLowerCase();
    if (name && COCKROACH_ONLY_VARIABLES.has(name)) {
      // An unset variable reads as CockroachDB 26.x's default, so a forgotten setting shows up.
      const defaults: Record<string, string> = { autocommit_before_ddl: 'on', create_table_with_schema_locked: 'on' };
      return [{ [name]: settings[name] ?? defaults[name] ?? '' }];
    }
    return undefined;
  };

  /** The statements of one explicit transaction, checked in order. */
  const inTransaction = (tx: SqlExecutor): SqlExecutor => {
    let wrote = false;
    const check = (text: string) => {
      for (const statement of statementsOf(text)) {
        checkSupported(statement);
        const kind = kindOf(statement);
        if (kind === 'ddl' && wrote) {
          refuse('0A000', 'schema change statement cannot follow a statement that has written in the same transaction', statement);
        }
        if (kind === 'write') wrote = true;
      }
    };
    return {
      query: async <T>(text: string, params?: unknown[]) => {
        check(text);
        return tx.query<T>(text, params);
      },
      exec: async (text: string) => {
        check(text);
        await tx.exec(text);
      },
    };
  };

  const wrap = (base: BaseDriver): BaseDriver => {
    /** An implicit transaction: fails at commit (after a real rollback) when a failure is pending. */
    const implicit = async <T>(run: (x: SqlExecutor) => Promise<T>): Promise<T> => {
      if (!takeFailure()) return run(base);
      await base.transaction(async (tx) => {
        await run(tx);
        throw injectedFailure();
      });
      throw new Error('unreachable: the transaction above always throws');
    };
    return decorateDriver(base, {
      query: async <T>(text: string, params?: unknown[]) => {
        const canned = answer(text);
        if (canned) return canned as T[];
        checkSupported(text);
        return implicit((x) => x.query<T>(text, params));
      },
      exec: async (text: string) => {
        const statements = statementsOf(text);
        for (const statement of statements) checkSupported(statement);
        if (statements.length > 1 && statements.some((s) => kindOf(s) === 'ddl')) {
          refuse('0A000', 'schema changes are supported only as individual statements (implicit transactions), not batched with other statements', text);
        }
        await implicit((x) => x.exec(text));
      },
      transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) =>
        base.transaction(async (tx) => {
          const result = await fn(inTransaction(tx));
          if (takeFailure()) throw injectedFailure();
          return result;
        }),
    });
  };

  return {
    async open(options: PostgresOptions) {
      const passThrough: Record<string, string> = {};
      for (const [k, v] of Object.entries(options.sessionSettings ?? {})) {
        if (COCKROACH_ONLY_VARIABLES.has(k)) settings[k] = v;
        else passThrough[k] = v;
      }
      const outer = options.intercept;
      return openPostgres({ ...options, sessionSettings: passThrough, intercept: (b) => wrap(outer ? outer(b) : b) });
    },
    wrap,
    failNextCommits(n: number) {
      pendingFailures += n;
    },
    get injected() {
      return injected;
    },
    violations,
    sessionSettings: settings,
  };
}
