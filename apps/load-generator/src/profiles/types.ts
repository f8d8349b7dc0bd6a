import type { ProfileInfo, ProfileOptionInfo } from '../contract/schemas.js';

/** One option a profile accepts (period, width, ramp, …): what `GET /api/profiles` lists, plus its bounds. */
export interface OptionSpec extends ProfileOptionInfo {
  /** Smallest accepted value (numbers and durations). */
  min?: number;
}

/** What a profile is asked to shape: nominal rate R (per second), test length T (seconds). */
export interface ProfileParams {
  rate: number;
  duration: number;
  /** Options already validated and defaulted by the registry. */
  options: Record<string, unknown>;
  seed: number;
}

/**
 * A rate curve: r(t) in requests per second and its integral Λ(t) = ∫₀ᵗ r(s) ds.
 * Pure math — no timers, sockets or clocks. The scheduler inverts `integral` to find each
 * request's intended send time.
 */
export interface RateCurve {
  rate(t: number): number;
  integral(t: number): number;
  /** Largest r(t) over the run (sizes worker threads and connection pools). */
  peak: number;
}

export interface ProfileDefinition extends ProfileInfo {
  options: OptionSpec[];
  create(params: ProfileParams): RateCurve;
}

/** Λ for a curve that is constant at `r`. */
export function constantCurve(r: number): RateCurve {
  return { rate: (t) => (t < 0 ? 0 : r), integral: (t) => (t <= 0 ? 0 : r * t), peak: r };
}
