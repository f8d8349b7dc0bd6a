import { describe, expect, it } from 'vitest';
import { Schedule } from '../src/engine/scheduler.js';
import { InputError } from '../src/errors.js';
import { PROFILES, buildProfile, findProfile, sampleCurve } from '../src/profiles/registry.js';
import type { RateCurve } from '../src/profiles/types.js';

const build = (profile: string, rate: number, duration: number, options?: Record<string, unknown>, seed = 1) =>
  buildProfile({ profile, rate, duration, options, seed }).curve;

/** ∫ r over [a, b] by the midpoint rule (independent of the profile's own integral). */
function numeric(c: RateCurve, a: number, b: number, steps = 20_000): number {
  const h = (b - a) / steps;
  let s = 0;
  for (let i = 0; i < steps; i++) s += c.rate(a + (i + 0.5) * h) * h;
  return s;
}

/** Schedule times of the whole run. */
function times(c: RateCurve, duration: number): number[] {
  const s = new Schedule(c, duration);
  const out: number[] = [];
  for (let t = s.next(); t !== undefined; t = s.next()) out.push(t);
  return out;
}

describe('profiles as math', () => {
  it('constant, moderate and night are R, R/2 and R/10', () => {
    expect(build('constant', 100, 10).rate(3)).toBe(100);
    expect(build('moderate', 100, 10).integral(10)).toBe(500);
    expect(build('night', 100, 10).integral(10)).toBe(100);
  });

  it('spiky is 2R for the first second of every 5-second period by default', () => {
    const c = build('spiky', 100, 20);
    expect([0, 0.5, 0.99, 1, 4.9, 5, 5.5, 6].map((t) => c.rate(t))).toEqual([200, 200, 200, 100, 100, 200, 200, 100]);
    expect(c.integral(5)).toBe(600);
    expect(c.integral(20)).toBe(2400);
    const d = build('spiky', 100, 20, { period: '2s', width: 0.5, multiplier: 3 });
    expect(d.integral(2)).toBe(300 * 0.5 + 100 * 1.5);
  });

  it('wave is R·(1 + 0.5·sin(2πt/30)) by default', () => {
    const c = build('wave', 100, 60);
    expect(c.rate(7.5)).toBeCloseTo(150, 9);
    expect(c.rate(22.5)).toBeCloseTo(50, 9);
    expect(c.integral(30)).toBeCloseTo(3000, 9);
    expect(c.integral(15)).toBeCloseTo(1500 + (100 * 0.5 * 30) / Math.PI, 9);
  });

  it('warmup goes from R/2 to R over the test by default, or over `ramp`', () => {
    const c = build('warmup', 100, 10);
    expect(c.rate(0)).toBe(50);
    expect(c.rate(5)).toBe(75);
    expect(c.integral(10)).toBeCloseTo(750, 9);
    const r = build('warmup', 100, 10, { ramp: 4 });
    expect(r.rate(4)).toBe(100);
    expect(r.integral(10)).toBeCloseTo(300 + 600, 9);
  });

  it('stages are linear between user stages and hold the last rate', () => {
    const c = build('stages', 100, 10, { stages: [{ duration: '2s', rate: 200 }, { duration: 2, rate: 200 }, { duration: 2, rate: 0 }], start_rate: 0 });
    expect(c.rate(1)).toBe(100);
    expect(c.rate(3)).toBe(200);
    expect(c.rate(5)).toBe(100);
    expect(c.integral(6)).toBeCloseTo(200 + 400 + 200, 9);
    expect(c.rate(8)).toBe(0);
    const d = build('stages', 100, 8);
    expect(d.integral(8)).toBeCloseTo(100 + 400 + 100, 9);
  });

  it('every profile’s integral matches a numeric integral of its rate', () => {
    for (const p of PROFILES) {
      const c = build(p.id, 120, 17, undefined, 42);
      for (const [a, b] of [
        [0, 1],
        [0, 7.3],
        [3.2, 11.9],
        [0, 17],
      ] as const) {
        expect(c.integral(b) - c.integral(a), `${p.id} [${a}, ${b}]`).toBeCloseTo(numeric(c, a, b), 0);
      }
    }
  });

  it('the schedule puts ∫r(t) requests (±1) in every 1-second window, for every profile', () => {
    for (const p of PROFILES) {
      const T = 23;
      const c = build(p.id, 250, T, undefined, 7);
      const ts = times(c, T);
      expect(ts.length, p.id).toBe(Math.ceil(c.integral(T) - 1e-9));
      for (let w = 0; w < T; w++) {
        const n = ts.filter((t) => t >= w && t < w + 1).length;
        expect(Math.abs(n - (c.integral(w + 1) - c.integral(w))), `${p.id} window ${w}`).toBeLessThanOrEqual(1);
      }
      for (let i = 1; i < ts.length; i++) expect(ts[i] as number).toBeGreaterThanOrEqual(ts[i - 1] as number);
    }
  });

  it('shards together replay exactly the single-threaded schedule', () => {
    const c = build('wave', 300, 10, { period: 3 });
    const all = times(c, 10);
    const a = new Schedule(c, 10, 0, 2);
    const b = new Schedule(c, 10, 1, 2);
    const merged: number[] = [];
    for (let t = a.next(); t !== undefined; t = a.next()) merged.push(t);
    for (let t = b.next(); t !== undefined; t = b.next()) merged.push(t);
    merged.sort((x, y) => x - y);
    expect(merged.length).toBe(all.length);
    merged.forEach((t, i) => expect(Math.abs(t - (all[i] as number))).toBeLessThan(1e-6));
  });

  it('chaotic: the same seed replays the same schedule, another seed does not, and the mean is R', () => {
    const a = times(build('chaotic', 200, 60, undefined, 1234), 60);
    const b = times(build('chaotic', 200, 60, undefined, 1234), 60);
    const c = times(build('chaotic', 200, 60, undefined, 99), 60);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Math.abs(a.length / 60 - 200) / 200).toBeLessThan(0.1);
    const curve = build('chaotic', 200, 60, undefined, 1234);
    const perSecond = Array.from({ length: 60 }, (_, w) => curve.integral(w + 1) - curve.integral(w));
    expect(Math.min(...perSecond)).toBeLessThan(100);
    expect(Math.max(...perSecond)).toBeGreaterThan(300);
  });

  it('finds profiles by id and by Russian label', () => {
    const labels: Record<string, string> = { Постоянная: 'constant', Умеренная: 'moderate', Хаотичная: 'chaotic', Спайковая: 'spiky', Волнообразная: 'wave', Нагрев: 'warmup', 'Ночной режим': 'night', Ступени: 'stages' };
    for (const [ru, id] of Object.entries(labels)) expect(findProfile(ru)?.id).toBe(id);
    expect(findProfile('SPIKY')?.id).toBe('spiky');
    expect(findProfile('nope')).toBeUndefined();
  });

  it('refuses unknown profiles, unknown options and bad option values, naming the field', () => {
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as InputError).field;
      }
      return 'no error';
    };
    expect(field(() => build('sawtooth', 1, 1))).toBe('profile');
    expect(field(() => build('spiky', 1, 1, { perod: 3 }))).toBe('profile_options.perod');
    expect(field(() => build('wave', 1, 1, { period: 'soon' }))).toBe('profile_options.period');
    expect(field(() => build('wave', 1, 1, { period: 0 }))).toBe('profile_options.period');
    expect(field(() => build('stages', 1, 1, { stages: [] }))).toBe('profile_options.stages');
    expect(field(() => build('stages', 1, 1, { stages: [{ duration: 1 }] }))).toBe('profile_options.stages.0.rate');
  });

  it('samples r(t) for previews with at most 600 points', () => {
    const pts = sampleCurve(build('spiky', 100, 3600), 3600);
    expect(pts.length).toBeLessThanOrEqual(600);
    expect(pts[0]).toEqual({ t: 0, rate: 200 });
    expect(pts.at(-1)?.t).toBe(3600);
  });
});

describe('MAX_RATE bounds the peak r(t)', () => {
  const refusal = (profile: string, rate: number, options: Record<string, unknown>, duration = 60, seed = 7) => {
    try {
      buildProfile({ profile, rate, duration, options, seed, maxRate: 50_000 });
    } catch (e) {
      return { field: (e as InputError).field, message: (e as Error).message };
    }
    return undefined;
  };

  it('names the option that drives the peak and gives the peak and MAX_RATE', () => {
    const spiky = refusal('spiky', 100, { multiplier: 1000 });
    expect(spiky?.field).toBe('profile_options.multiplier');
    expect(spiky?.message).toContain('peaks at 100000 rps');
    expect(spiky?.message).toContain('MAX_RATE (50000)');
    expect(refusal('wave', 30_000, { amplitude: 1 })).toMatchObject({ field: 'profile_options.amplitude', message: expect.stringContaining('peaks at 60000 rps') });
    expect(refusal('stages', 10, { start_rate: 50_001, stages: [{ duration: 1, rate: 1 }] })?.field).toBe('profile_options.start_rate');
    // A burst over the limit is refused whatever the seed draws, so acceptance never depends on luck.
    for (const seed of [1, 2, 3]) expect(refusal('chaotic', 1000, { burst: 51 }, 10, seed)?.field).toBe('profile_options.burst');
    // Mostly pauses: the mean-preserving scale lifts the remaining segments far above R.
    expect(refusal('chaotic', 20_000, { pause_probability: 0.9, burst: 2 }, 120)?.field).toBe('profile_options.pause_probability');
  });

  it('accepts the same options when the peak fits', () => {
    expect(refusal('spiky', 10, { multiplier: 1000 })).toBeUndefined();
    expect(refusal('wave', 25_000, { amplitude: 1 })).toBeUndefined();
    expect(refusal('chaotic', 10_000, {})).toBeUndefined();
  });

  it('refuses options outside their documented range, naming the range', () => {
    expect(refusal('spiky', 1, { multiplier: 1001 })).toMatchObject({ field: 'profile_options.multiplier', message: expect.stringContaining('at most 1000') });
    expect(refusal('wave', 1, { amplitude: 1.5 })).toMatchObject({ field: 'profile_options.amplitude', message: expect.stringContaining('at most 1') });
    expect(refusal('warmup', 1, { start: 2 })?.field).toBe('profile_options.start');
    expect(refusal('chaotic', 1, { pause_probability: 1 })?.field).toBe('profile_options.pause_probability');
    expect(refusal('spiky', 1, { period: 0.01 })).toMatchObject({ field: 'profile_options.period', message: expect.stringContaining('at least 0.1') });
  });

  it('documents a range for every number and duration option', () => {
    for (const p of PROFILES) {
      for (const o of p.options.filter((x) => x.type !== 'stages')) {
        expect(o.min, `${p.id}.${o.name}`).toBeTypeOf('number');
        expect(o.max, `${p.id}.${o.name}`).toBeDefined();
      }
    }
  });
});
