import type { Unit } from '../../drills/schema.js';
import { lang } from '../i18n.js';

const MiB = 1024 * 1024;

function num(v: number, digits: number): string {
  return v.toLocaleString(lang(), { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** An evidence value as a person reads it: ms, %, req/s, MiB… ("–" without data). */
export function formatValue(v: number | null | undefined, unit: Unit): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 'seconds':
      return Math.abs(v) >= 1 ? `${num(v, 2)} s` : `${num(v * 1000, v < 0.01 ? 2 : 1)} ms`;
    case 'ratio':
      return `${num(v * 100, 1)} %`;
    case 'per_second':
      return `${num(v, 2)}/s`;
    case 'cores':
      return num(v, 2);
    case 'bytes':
      return `${num(v / MiB, 1)} MiB`;
    case 'bytes_per_second':
      return `${num(v / MiB, 2)} MiB/s`;
    default:
      return num(v, 2);
  }
}

/** The series a value belongs to, in a few words: "GET /api/tasks", "SELECT", "list". */
export function seriesName(labels: Record<string, string>): string {
  if (labels.method && labels.route) return `${labels.method} ${labels.route.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
  return labels.operation ?? labels.request ?? '';
}

/** Seconds as a timer: "4:05", "1:02:03". */
export function formatTimer(totalS: number): string {
  const s = Math.max(0, Math.floor(totalS));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
