import { BOTTLENECK_GENERATOR } from '../contract/constants.js';

/**
 * The wait inside the generator (intended time → write on a connection: the scheduler's lateness
 * plus the wait for a free connection) above which the latency it reports is no longer the
 * target's. A healthy generator stays near the timer's 1 ms tick (2–3 ms at p99).
 */
export const GENERATOR_WAIT_MS = 10;
/**
 * Busy share of the engine threads from which a p99 wait above GENERATOR_WAIT_MS is the generator's
 * lack of CPU. Below it, such a p99 is a few stalls (a cold start compiling, the VM taking the CPU
 * for 10–30 ms), not a limit of the rate: a 300 rps run in a cold, busy test process showed 15 ms.
 */
export const BUSY_SHARE = 0.5;
/** Share of the schedule dropped at the in-flight cap above which the run says so. */
export const DROPPED_SHARE = 0.01;
/**
 * Requests the target alone holds in flight (rate × mean service time, Little's law), as a share of
 * the cap, below which drops are the generator's doing (its own queue, or a cap too small for the
 * rate), not a slow target's.
 */
export const TARGET_SHARE_OF_CAP = 0.5;
/**
 * A run the generator held may still have stalled (GC, the VM, a local target competing for the same
 * cores) and caught up in a burst that queued for connections. Its reported p99 is then mostly the
 * generator's own wait, which the summary says in a warning when intended → sent p99 exceeds
 * STALL_WAIT_MS and half the latency p99, over at least STALL_MIN_SENT requests (a short run's p99
 * is its slowest few: one pause in a busy test process is not a pattern).
 */
export const STALL_WAIT_MS = 25;
export const STALL_MIN_SENT = 1000;
/** Event-loop utilization from which the warning names the engine threads as saturated. */
export const SATURATED_UTILIZATION = 0.9;

export interface GeneratorFacts {
  sent: number;
  dropped: number;
  /** Requests per second actually sent. */
  achievedRps: number;
  maxInFlight: number;
  /** p50 and p99 of intended → sent, ms. */
  intendedToSentP50: number;
  intendedToSentP99: number;
  /** p99 of the scheduler's lateness, ms. */
  lagP99: number;
  /** p99 of the latency (from the intended time), ms. */
  latencyP99: number;
  /** Mean service latency (sent → done), ms. */
  serviceMeanMs: number;
  /** Mean event-loop utilization of the engine threads, 0–1. */
  utilization: number;
}

export interface Assessment {
  bottleneck: 'generator' | null;
  warnings: string[];
}

const ms = (x: number) => `${Math.round(x * 100) / 100} ms`;
const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;

/**
 * Whether the generator, not the target, limited the run (pure: numbers in, verdict out). It is,
 * when any of
 * - half its requests waited in it: intended → sent p50 above GENERATOR_WAIT_MS (a queue for too
 *   few connections, or a thread far behind);
 * - its threads lacked CPU: intended → sent p99 above GENERATOR_WAIT_MS with the engine threads
 *   busy BUSY_SHARE of the time or more;
 * - more than DROPPED_SHARE of the schedule was dropped at the in-flight cap while the target alone
 *   would have held under TARGET_SHARE_OF_CAP of that cap.
 * Drops with a target slow enough to fill the cap are reported too, as the target's.
 */
export function assessGenerator(f: GeneratorFacts): Assessment {
  const reasons: string[] = [];
  const warnings: string[] = [];
  const arrivals = f.sent + f.dropped;
  const droppedShare = arrivals > 0 ? f.dropped / arrivals : 0;
  if (f.intendedToSentP50 > GENERATOR_WAIT_MS || (f.intendedToSentP99 > GENERATOR_WAIT_MS && f.utilization >= BUSY_SHARE)) {
    reasons.push(
      `requests waited ${ms(f.intendedToSentP99)} (p99; ${ms(f.intendedToSentP50)} p50) from their intended time to their write on a connection (scheduler lag p99 ${ms(f.lagP99)}, the rest waiting for a free connection)`,
    );
  }
  if (droppedShare > DROPPED_SHARE) {
    const targetHeld = (f.achievedRps * f.serviceMeanMs) / 1000;
    const what = `${pct(droppedShare)} of the schedule was dropped at the in-flight cap (${f.maxInFlight})`;
    if (targetHeld < TARGET_SHARE_OF_CAP * f.maxInFlight) reasons.push(`${what}, while the target's answers alone kept about ${Math.round(targetHeld * 10) / 10} requests in flight`);
    else warnings.push(`${what}: the target is slow enough to hold that many requests at once`);
  }
  if (reasons.length === 0) {
    if (f.sent >= STALL_MIN_SENT && f.intendedToSentP99 > STALL_WAIT_MS && f.intendedToSentP99 > f.latencyP99 / 2) {
      warnings.push(
        `the generator stalled: requests waited ${ms(f.intendedToSentP99)} (p99) in it before their write (scheduler lag p99 ${ms(f.lagP99)}), most of the latency p99 of ${ms(f.latencyP99)}; the target's own time is in sent → first byte. Its threads were busy ${pct(f.utilization)} of the time: pauses (GC, the VM, a target on the same cores), not a rate it cannot hold`,
      );
    }
    return { bottleneck: null, warnings };
  }
  if (f.utilization >= SATURATED_UTILIZATION) reasons.push(`its engine threads were busy ${pct(f.utilization)} of the time`);
  return { bottleneck: 'generator', warnings: [`${BOTTLENECK_GENERATOR}: ${reasons.join('; ')}. Its latency includes its own queueing: lower the rate, or give it more CPU (threads) or a higher in-flight cap.`, ...warnings] };
}
