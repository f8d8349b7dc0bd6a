import type { StatementFaults } from '../db/database.js';
import type { FaultController } from './controller.js';

/**
 * The database faults as the SQL layer asks for them: db_slowdown (optionally one operation and
 * table), db_outage, and pool_limit (fewer connections, each held longer).
 */
export function statementFaults(faults: FaultController): StatementFaults {
  return {
    delayMs(st) {
      const d = faults.active.db_slowdown;
      return d && (!d.operation || d.operation === st.operation) && (!d.table || d.table === st.table) ? d.ms : 0;
    },
    delayVisible: () => !faults.active.db_slowdown?.hidden,
    outage: () => faults.active.db_outage !== null,
    connectionLimit: () => faults.active.pool_limit?.max_connections,
    holdMs: () => faults.active.pool_limit?.hold_ms ?? 0,
  };
}
