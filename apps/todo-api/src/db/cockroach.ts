/**
 * What the todo API does differently when the server is CockroachDB: set, explicitly, the session
 * variables that change what a schema change does, instead of inheriting whatever the server
 * version defaults to. Reference: https://www.cockroachlabs.com/docs/stable/session-variables
 */
import { describeError, type SqlExecutor } from './driver.js';

export const COCKROACH_SESSION_SETTINGS: Readonly<Record<string, string>> = {
  // On by default from 25.1: a DDL statement inside an explicit transaction first commits what
  // the transaction did before it, so "the marker and the DDL commit together" silently stops
  // being true. We never run DDL inside an explicit transaction (migrations.ts); with this off a
  // mistake fails loudly ("schema change statement cannot follow a statement that has written in
  // the same transaction") instead of splitting a transaction in two.
  autocommit_before_ddl: 'off',
  // On by default from 26.1: every new table is created schema_locked (a changefeed optimisation),
  // and later ALTERs depend on CockroachDB unlocking it automatically, which some schema changes
  // cannot do. The lab runs no changefeeds.
  create_table_with_schema_locked: 'off',
};

/** `SELECT version()` on CockroachDB: "CockroachDB CCL v26.2.4 (x86_64-pc-linux-gnu, …)". */
export function isCockroach(version: string): boolean {
  return /\bCockroachDB\b/.test(version);
}

/** "v26.2.4" out of a CockroachDB version() string, or undefined. */
export function cockroachRelease(version: string): string | undefined {
  return /\bCockroachDB\b.*?\b(v\d+\.\d+\.\d+\S*)/.exec(version)?.[1];
}

/**
 * The values the session really has. CockroachDB ignores a startup parameter it does not know
 * (an older release), so each one is read back; one that cannot be read is reported as such.
 */
export async function effectiveSettings(db: SqlExecutor, names: Iterable<string> = Object.keys(COCKROACH_SESSION_SETTINGS)): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) {
    if (!/^[a-z_]+$/.test(name)) throw new Error(`not a session variable name: ${name}`);
    try {
      const [row] = await db.query<Record<string, unknown>>(`SHOW ${name}`);
      out[name] = String(row?.[name] ?? Object.values(row ?? {})[0] ?? '');
    } catch (err) {
      out[name] = `unavailable (${describeError(err)})`;
    }
  }
  return out;
}
