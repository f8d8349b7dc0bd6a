import { pickUiPath } from '@o11y/platform';
import { paint, type Palette } from './log-format.js';

/** One service to wait for. */
export interface Probe {
  id: string;
  url: string;
}

/** Whether `url` answers 2xx within `timeoutMs`. */
export async function probe(url: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

export interface WaitResult {
  ready: string[];
  notReady: string[];
  elapsedMs: number;
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Stop waiting early (the launcher is shutting down). */
  signal?: AbortSignal;
  /** Called once per service when it first answers. */
  onReady?: (id: string, elapsedMs: number) => void;
  probe?: (url: string) => Promise<boolean>;
}

/** Polls every probe until all answer or the time is up; bounded by `timeoutMs`. */
export async function waitAllReady(probes: readonly Probe[], opts: WaitOptions): Promise<WaitResult> {
  const started = Date.now();
  const interval = opts.intervalMs ?? 150;
  const check = opts.probe ?? ((url: string) => probe(url));
  const ready = new Set<string>();
  const maxRounds = Math.ceil(opts.timeoutMs / interval) + 1;
  for (let round = 0; round < maxRounds; round++) {
    if (opts.signal?.aborted) break;
    const pending = probes.filter((p) => !ready.has(p.id));
    const results = await Promise.all(pending.map(async (p) => [p.id, await check(p.url)] as const));
    for (const [id, ok] of results) {
      if (ok && !ready.has(id)) {
        ready.add(id);
        opts.onReady?.(id, Date.now() - started);
      }
    }
    if (ready.size === probes.length || Date.now() - started >= opts.timeoutMs) break;
    await new Promise((r) => setTimeout(r, interval));
  }
  return {
    ready: probes.filter((p) => ready.has(p.id)).map((p) => p.id),
    notReady: probes.filter((p) => !ready.has(p.id)).map((p) => p.id),
    elapsedMs: Date.now() - started,
  };
}

export interface TableRow {
  name: string;
  url: string;
  /** true = ready, false = not answering, undefined = not started (shown as a note). */
  ready: boolean | undefined;
  note?: string;
}

function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - visibleLength(s)));
}

/** A boxed table: service, URL, state; followed by free lines (credentials, hints). */
export function renderTable(p: Palette, title: string, rows: readonly TableRow[], footer: readonly string[]): string {
  const cells = rows.map((r) => [
    r.name,
    r.url,
    r.ready === true ? paint(p, 'green', 'ready') : r.ready === false ? paint(p, 'red', 'not ready') : paint(p, 'gray', r.note ?? 'not started'),
  ]);
  const head = ['Service', 'URL', 'State'];
  const widths = head.map((h, i) => Math.max(visibleLength(h), ...cells.map((c) => visibleLength(c[i] as string))));
  const line = (l: string, m: string, r: string) => paint(p, 'gray', l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r);
  const row = (c: readonly string[]) =>
    paint(p, 'gray', '│') + c.map((x, i) => ` ${pad(x, widths[i] as number)} `).join(paint(p, 'gray', '│')) + paint(p, 'gray', '│');
  return [
    '',
    paint(p, 'bold', title),
    line('┌', '┬', '┐'),
    row(head.map((h) => paint(p, 'bold', h))),
    line('├', '┼', '┤'),
    ...cells.map(row),
    line('└', '┴', '┘'),
    ...footer,
    '',
  ].join('\n');
}

/** The page to show for a service: `base + uiPath`, or its classic-UI twin where only that exists. */
export async function pickUiUrl(base: string, uiPath: string, timeoutMs = 1500): Promise<string> {
  return base + (await pickUiPath(base, uiPath, timeoutMs));
}
