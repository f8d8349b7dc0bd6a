import { Gauge, type Registry } from 'prom-client';
import { withoutHidden, type FaultController } from './controller.js';
import { FAULT_NAMES, type ActiveFaults } from './schema.js';

/**
 * todo_fault_* gauges, so dashboards and FaultInjectionActive show when a fault is on. A hidden
 * fault (a drill) reads 0 everywhere, exactly as if it were off: the learner finds it from its
 * effects, not from these series.
 */
export function registerFaultGauges(registry: Registry, faults: FaultController, retainedBytes: () => number): void {
  const registers = [registry];
  const active = new Gauge({ name: 'todo_fault_active', help: 'Whether a fault is injected (1) or not (0).', labelNames: ['fault'], registers });
  const latencySeconds = new Gauge({ name: 'todo_fault_latency_seconds', help: 'Latency added by the latency fault (base, without jitter).', registers });
  const errorProbability = new Gauge({ name: 'todo_fault_error_probability', help: 'Probability of an injected error response.', registers });
  const dbDelaySeconds = new Gauge({ name: 'todo_fault_db_delay_seconds', help: 'Delay added to each matching database statement.', registers });
  const cpuBurnSeconds = new Gauge({ name: 'todo_fault_cpu_burn_seconds', help: 'CPU time burned per matching request.', registers });
  const cpuHogShare = new Gauge({ name: 'todo_fault_cpu_hog_share', help: 'Share of the event loop burned in the background by the cpu_hog fault.', registers });
  const poolLimit = new Gauge({ name: 'todo_fault_pool_max_connections', help: 'Connections the pool_limit fault allows (0: no limit).', registers });
  new Gauge({
    name: 'todo_fault_memory_retained_bytes',
    help: 'Bytes the memory_leak fault holds on to now.',
    registers,
    collect() {
      this.set(withoutHidden(faults.active).memory_leak ? retainedBytes() : 0);
    },
  });

  const publish = (all: ActiveFaults) => {
    const v = withoutHidden(all);
    for (const f of FAULT_NAMES) active.set({ fault: f }, v[f] ? 1 : 0);
    latencySeconds.set(v.latency ? v.latency.ms / 1000 : 0);
    errorProbability.set(v.error ? v.error.probability : 0);
    dbDelaySeconds.set(v.db_slowdown ? v.db_slowdown.ms / 1000 : 0);
    cpuBurnSeconds.set(v.cpu_burn ? v.cpu_burn.ms / 1000 : 0);
    cpuHogShare.set(v.cpu_hog ? v.cpu_hog.share : 0);
    poolLimit.set(v.pool_limit ? v.pool_limit.max_connections : 0);
  };
  publish(faults.active);
  faults.onChange(publish);
}
