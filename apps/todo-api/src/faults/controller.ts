import type { Logger } from '@o11y/telemetry';
import { Gauge, type Registry } from 'prom-client';
import { FAULT_NAMES, type FaultsBody, type FaultsState } from './schema.js';

export const NO_FAULTS: FaultsState = { latency: null, error: null, db_slowdown: null, cpu_burn: null };

/**
 * The fault state of this process. Replacing it is one assignment, so a request sees either the
 * old or the new state, and the gauges move in the same step so dashboards show when a fault is on.
 */
export class FaultController {
  private state: FaultsState = NO_FAULTS;
  private readonly active: Gauge<'fault'>;
  private readonly latencySeconds: Gauge;
  private readonly errorProbability: Gauge;
  private readonly dbDelaySeconds: Gauge;
  private readonly cpuBurnSeconds: Gauge;

  constructor(
    registry: Registry,
    private readonly logger: Logger,
  ) {
    const registers = [registry];
    this.active = new Gauge({ name: 'todo_fault_active', help: 'Whether a fault is injected (1) or not (0).', labelNames: ['fault'], registers });
    this.latencySeconds = new Gauge({ name: 'todo_fault_latency_seconds', help: 'Latency added by the latency fault (base, without jitter).', registers });
    this.errorProbability = new Gauge({ name: 'todo_fault_error_probability', help: 'Probability of an injected error response.', registers });
    this.dbDelaySeconds = new Gauge({ name: 'todo_fault_db_delay_seconds', help: 'Server-side delay added to each database statement.', registers });
    this.cpuBurnSeconds = new Gauge({ name: 'todo_fault_cpu_burn_seconds', help: 'CPU time burned per request.', registers });
    this.publish();
  }

  get current(): FaultsState {
    return this.state;
  }

  /** Seconds of pg_sleep before each statement (read by the database layer). */
  dbDelaySecondsNow(): number {
    return this.state.db_slowdown ? this.state.db_slowdown.ms / 1000 : 0;
  }

  /** PUT semantics: the body is the whole new state; an omitted fault is off. */
  /** `log` is the request's logger when there is one, so the change line carries its trace ids. */
  replace(body: FaultsBody, by: string, log: Pick<Logger, 'warn'> = this.logger): FaultsState {
    this.state = {
      latency: body.latency ?? null,
      error: body.error ?? null,
      db_slowdown: body.db_slowdown ?? null,
      cpu_burn: body.cpu_burn ?? null,
    };
    this.publish();
    const on = FAULT_NAMES.filter((f) => this.state[f] !== null);
    log.warn({ faults: this.state, active: on, changed_by: by }, on.length ? `faults changed: ${on.join(', ')} on` : 'faults cleared');
    return this.state;
  }

  private publish(): void {
    const s = this.state;
    for (const f of FAULT_NAMES) this.active.set({ fault: f }, s[f] ? 1 : 0);
    this.latencySeconds.set(s.latency ? s.latency.ms / 1000 : 0);
    this.errorProbability.set(s.error ? s.error.probability : 0);
    this.dbDelaySeconds.set(this.dbDelaySecondsNow());
    this.cpuBurnSeconds.set(s.cpu_burn ? s.cpu_burn.ms / 1000 : 0);
  }
}
