/**
 * Turns the children's log lines into one readable stream. The apps log pino JSON; Prometheus
 * and Alertmanager log logfmt (`ts=… level=info msg="…"`). Anything else is shown as it is.
 */

export interface Palette {
  enabled: boolean;
}

const CODES = { reset: 0, bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90 } as const;
export type Colour = keyof typeof CODES;

export function paint(p: Palette, colour: Colour, text: string): string {
  return p.enabled ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

/** Colours given to the services' prefixes, in order. */
export const PREFIX_COLOURS: readonly Colour[] = ['cyan', 'magenta', 'blue', 'yellow', 'green'];

/** `todo-api       │ ` padded to `width`, coloured. */
export function formatPrefix(p: Palette, id: string, width: number, colour: Colour): string {
  return paint(p, colour, id.padEnd(width)) + paint(p, 'gray', ' │ ');
}

const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const LEVEL_COLOURS: Record<string, Colour> = { trace: 'gray', debug: 'gray', info: 'green', warn: 'yellow', error: 'red', fatal: 'red' };

/** Fields every pino line has, or that the compact form shows in its own way. */
const HIDDEN = new Set(['level', 'time', 'ts', 'pid', 'hostname', 'name', 'msg', 'message', 'trace_id', 'span_id', 'caller', 'v']);
const REQUEST_FIELDS = new Set(['method', 'route', 'path', 'status_code', 'duration_ms', 'req', 'res', 'responseTime', 'reqId']);

const MAX_EXTRA = 160;

function levelName(raw: unknown): string {
  if (typeof raw === 'number') return PINO_LEVELS[raw] ?? String(raw);
  if (typeof raw === 'string') return raw.toLowerCase();
  return 'info';
}

function formatLevel(p: Palette, level: string): string {
  const label = level.toUpperCase().slice(0, 5).padEnd(5);
  return paint(p, LEVEL_COLOURS[level] ?? 'reset', label);
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

function extras(fields: Record<string, unknown>, skip: Set<string>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (HIDDEN.has(k) || skip.has(k) || v === undefined) continue;
    parts.push(`${k}=${scalar(v)}`);
  }
  const text = parts.join(' ');
  return text.length > MAX_EXTRA ? text.slice(0, MAX_EXTRA - 1) + '…' : text;
}

function errorText(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { type?: unknown; message?: unknown; code?: unknown };
  const head = typeof e.message === 'string' ? e.message : undefined;
  if (!head) return undefined;
  return `${typeof e.type === 'string' ? e.type + ': ' : ''}${head}${typeof e.code === 'string' ? ` (${e.code})` : ''}`;
}

/** A pino JSON line in the compact form, or undefined when the line is not one. */
export function formatPinoLine(p: Palette, line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  let obj: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    obj = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!('level' in obj) || !('msg' in obj || 'message' in obj)) return undefined;
  const level = levelName(obj.level);
  const msg = String(obj.msg ?? obj.message ?? '');
  const parts = [formatLevel(p, level)];
  const skip = new Set<string>(['err', 'error']);
  if (typeof obj.method === 'string' && (obj.route !== undefined || obj.path !== undefined) && obj.status_code !== undefined) {
    // One request: "GET /api/tasks/:id 200 3.1ms"
    const status = Number(obj.status_code);
    const statusColour: Colour = status >= 500 ? 'red' : status >= 400 ? 'yellow' : 'green';
    const where = String(obj.route === 'unmatched' || obj.route === undefined ? obj.path : obj.route);
    parts.push(`${obj.method} ${where} ${paint(p, statusColour, String(obj.status_code))}`);
    if (typeof obj.duration_ms === 'number') parts.push(paint(p, 'gray', `${obj.duration_ms}ms`));
    if (msg && msg !== 'request') parts.push(msg);
    for (const f of REQUEST_FIELDS) skip.add(f);
  } else {
    parts.push(msg);
  }
  const err = errorText(obj.err) ?? errorText(obj.error);
  if (err) parts.push(paint(p, 'red', err));
  const rest = extras(obj, skip);
  if (rest) parts.push(paint(p, 'gray', rest));
  return parts.join(' ');
}

/** Parses logfmt (`a=1 b="two words"`) into fields; undefined when the line has no `key=` pairs. */
export function parseLogfmt(line: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  const re = /([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
  let count = 0;
  for (const m of line.matchAll(re)) {
    const raw = m[2] ?? '';
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        value = raw.slice(1, -1);
      }
    }
    fields[m[1] as string] = value;
    count++;
  }
  return count > 0 && ('level' in fields || 'msg' in fields) ? fields : undefined;
}

/** A logfmt line (Prometheus, Alertmanager) in the compact form, or undefined. */
export function formatLogfmtLine(p: Palette, line: string): string | undefined {
  const f = parseLogfmt(line);
  if (!f) return undefined;
  const level = levelName(f.level ?? 'info');
  const parts = [formatLevel(p, level), f.msg ?? ''];
  if (f.err) parts.push(paint(p, 'red', f.err));
  const rest = extras(f, new Set(['err', 'component']));
  if (rest) parts.push(paint(p, 'gray', rest));
  return parts.filter((x) => x !== '').join(' ');
}

/** The body of one log line as shown (the prefix is added by the caller). */
export function formatLogLine(p: Palette, line: string, raw: boolean): string {
  const text = line.replace(/\r$/, '');
  if (raw) return text;
  return formatPinoLine(p, text) ?? formatLogfmtLine(p, text) ?? text;
}

/** Whether to colour: --color/--no-color win, then NO_COLOR, FORCE_COLOR, then whether stdout is a terminal. */
export function useColour(flag: boolean | undefined, env: Record<string, string | undefined>, isTty: boolean): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTty;
}
