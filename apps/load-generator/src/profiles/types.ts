import type { ProfileInfo, ProfileOptionInfo } from '../contract/schemas.js';

/** One option a profile accepts (period, width, ramp, …) and its documented range, as `GET /api/profiles` lists it. */
export interface OptionSpec extends Omit<ProfileOptionInfo, 'max'> {
  /** Largest accepted value; 'MAX_RATE' for rates (the configured limit). */
  max?: number | 'MAX_RATE';
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

export interface ProfileDefinition extends Omit<ProfileInfo, 'options'> {
  options: OptionSpec[];
  create(params: ProfileParams): RateCurve;
  /**
   * The option that drove the curve's peak above MAX_RATE, named in the 400; undefined = the
   * nominal rate itself (`rate`).
   */
  peakOption?(params: ProfileParams, maxRate: number): string | undefined;
  /**
   * The highest rate the options allow whatever the seed, when it exceeds this schedule's own peak
   * (a chaotic burst that this seed happens not to draw): MAX_RATE bounds it too, so whether a
   * request is accepted never depends on the luck of a random seed.
   */
  nominalPeak?(params: ProfileParams): number;
}

/** Λ for a curve that is constant at `r`. */
export function constantCurve(r: number): RateCurve {
  return { rate: (t) => (t < 0 ? 0 : r), integral: (t) => (t <= 0 ? 0 : r * t), peak: r };
}
