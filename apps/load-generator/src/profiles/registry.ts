import { parseDuration } from '@o11y/platform';
import { InputError } from '../errors.js';
import { chaotic } from './chaotic.js';
import { constant } from './constant.js';
import { moderate } from './moderate.js';
import { night } from './night.js';
import { spiky } from './spiky.js';
import { stages, type Stage } from './stages.js';
import type { OptionSpec, ProfileDefinition, ProfileParams, RateCurve } from './types.js';
import { warmup } from './warmup.js';
import { wave } from './wave.js';

export type { ProfileDefinition, RateCurve } from './types.js';

/** Every profile, in the order the UI lists them. */
export const PROFILES: readonly ProfileDefinition[] = [constant, moderate, chaotic, spiky, wave, warmup, night, stages];

/** Finds a profile by id or by its Russian or English label, case-insensitively ("Спайковая" → spiky). */
export function findProfile(name: string): ProfileDefinition | undefined {
  const key = name.trim().toLowerCase();
  return PROFILES.find((p) => p.id === key || p.label.ru.toLowerCase() === key || p.label.en.toLowerCase() === key);
}

export interface CurveRequest {
  profile: string;
  rate: number;
  duration: number;
  options?: Record<string, unknown> | undefined;
  seed: number;
  /** MAX_RATE: bounds the curve's peak r(t) and the rates inside options (stages, start_rate). */
  maxRate?: number;
}

export interface BuiltProfile {
  definition: ProfileDefinition;
  options: Record<string, unknown>;
  curve: RateCurve;
}

function optionNumber(raw: unknown, field: string, kind: 'number' | 'duration', min: number | undefined): number {
  const value = kind === 'duration' && (typeof raw === 'string' || typeof raw === 'number') ? parseDuration(raw) : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InputError(field, `${field} must be ${kind === 'duration' ? 'a duration (seconds or "5s")' : 'a number'}`);
  }
  if (min !== undefined && value < min) throw new InputError(field, `${field} must be at least ${min}`);
  return value;
}

function maxOf(spec: OptionSpec, maxRate: number): number | undefined {
  return spec.max === 'MAX_RATE' ? maxRate : spec.max;
}

/** Refuses an option above its documented maximum (checked after the peak, which names the worse problem). */
function checkMaxima(definition: ProfileDefinition, options: Record<string, unknown>, maxRate: number): void {
  for (const spec of definition.options) {
    const max = maxOf(spec, maxRate);
    const value = options[spec.name];
    if (max === undefined || typeof value !== 'number' || value <= max) continue;
    const what = spec.max === 'MAX_RATE' ? `MAX_RATE (${max})` : `${max}`;
    throw new InputError(`profile_options.${spec.name}`, `profile_options.${spec.name} must be at most ${what} (got ${value})`);
  }
}

const round1 = (n: number) => (Number.isFinite(n) ? Math.round(n * 10) / 10 : n);

/** 400 when r(t) rises above MAX_RATE anywhere, naming the option that drove it there and the peak. */
function checkPeak(definition: ProfileDefinition, params: ProfileParams, curve: RateCurve, maxRate: number): void {
  const peak = Math.max(curve.peak, definition.nominalPeak?.(params) ?? 0);
  if (!(peak > maxRate) && !Number.isNaN(peak)) return;
  const option = definition.peakOption?.(params, maxRate);
  const field = option ? `profile_options.${option}` : 'rate';
  throw new InputError(
    field,
    `profile "${definition.id}" peaks at ${round1(peak)} rps (rate ${params.rate}${option ? `, ${option} ${JSON.stringify(params.options[option])}` : ''}), ` +
      `above MAX_RATE (${maxRate}): lower ${field}${option ? ' or rate' : ''} so that the peak r(t) stays within MAX_RATE`,
  );
}

function parseStages(raw: unknown, maxRate: number): Stage[] {
  const field = 'profile_options.stages';
  let list = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch {
      throw new InputError(field, `${field} must be a JSON array of {duration, rate}`);
    }
  }
  if (!Array.isArray(list) || list.length === 0 || list.length > 1000) {
    throw new InputError(field, `${field} must be a non-empty array (at most 1000) of {duration, rate}`);
  }
  return list.map((s: unknown, i) => {
    const item = s as { duration?: unknown; rate?: unknown } | null;
    if (!item || typeof item !== 'object') throw new InputError(`${field}.${i}`, `${field}.${i} must be {duration, rate}`);
    const duration = optionNumber(item.duration, `${field}.${i}.duration`, 'duration', 0);
    const rate = optionNumber(item.rate, `${field}.${i}.rate`, 'number', 0);
    if (rate > maxRate) throw new InputError(`${field}.${i}.rate`, `${field}.${i}.rate exceeds MAX_RATE (${maxRate})`);
    return { duration, rate };
  });
}

/** Validates options against the profile's specs (unknown options are refused) and applies defaults. */
export function resolveOptions(definition: ProfileDefinition, raw: Record<string, unknown> | undefined, maxRate = Infinity): Record<string, unknown> {
  const input = raw ?? {};
  const known = new Set(definition.options.map((o) => o.name));
  for (const name of Object.keys(input)) {
    if (!known.has(name)) {
      const accepted = definition.options.map((o) => o.name).join(', ') || 'none';
      throw new InputError(`profile_options.${name}`, `profile "${definition.id}" has no option "${name}" (accepted: ${accepted})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const spec of definition.options) {
    const value = input[spec.name];
    if (value === undefined || value === null || value === '') {
      out[spec.name] = spec.default;
    } else if (spec.type === 'stages') {
      out[spec.name] = parseStages(value, maxRate);
    } else {
      out[spec.name] = optionNumber(value, `profile_options.${spec.name}`, spec.type, spec.min);
    }
  }
  return out;
}

/** Resolves a profile by id or label, validates its options and builds its rate curve. */
export function buildProfile(req: CurveRequest): BuiltProfile {
  const definition = findProfile(req.profile);
  if (!definition) {
    throw new InputError('profile', `unknown profile "${req.profile}" (known: ${PROFILES.map((p) => `${p.id}/${p.label.ru}`).join(', ')})`);
  }
  const maxRate = req.maxRate ?? Infinity;
  const options = resolveOptions(definition, req.options, maxRate);
  const params: ProfileParams = { rate: req.rate, duration: req.duration, options, seed: req.seed };
  const curve = definition.create(params);
  // MAX_RATE bounds the peak r(t), not only the nominal rate: spikes, bursts and waves included.
  checkPeak(definition, params, curve, maxRate);
  checkMaxima(definition, options, maxRate);
  return { definition, options, curve };
}

/** r(t) sampled at ≤ `maxPoints` evenly spaced times over [0, duration], for preview charts. */
export function sampleCurve(curve: RateCurve, duration: number, maxPoints = 600): Array<{ t: number; rate: number }> {
  const n = Math.max(2, Math.min(maxPoints, Math.ceil(duration * 10) + 1));
  const step = duration / (n - 1);
  const points: Array<{ t: number; rate: number }> = [];
  for (let i = 0; i < n; i++) {
    const t = i === n - 1 ? duration : i * step;
    // The value just before the end belongs to the test; r(T) itself may already be the next piece.
    const r = i === n - 1 && duration > 0 ? curve.rate(Math.max(0, duration - 1e-9)) : curve.rate(t);
    points.push({ t: Math.round(t * 1000) / 1000, rate: Math.round(r * 1000) / 1000 });
  }
  return points;
}
