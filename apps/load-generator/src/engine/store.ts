import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_REQUEST_NAME, type ErrorCounts, type LatencyBreakdown, type Percentiles, type RunSummary, type SeriesPoint } from '../contract/schemas.js';

export interface StoredRun {
  summary: RunSummary;
  points: SeriesPoint[];
}

export const KEEP_RUNS = 50;

const NO_PERCENTILES: Percentiles = { p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
const noBreakdown = (): LatencyBreakdown => ({ intended_to_sent: { ...NO_PERCENTILES }, sent_to_first_byte: { ...NO_PERCENTILES }, first_byte_to_done: { ...NO_PERCENTILES } });
const BREAKDOWN_POINT_FIELDS = ['intended_to_sent_p50_ms', 'intended_to_sent_p99_ms', 'sent_to_first_byte_p50_ms', 'sent_to_first_byte_p99_ms', 'first_byte_to_done_p50_ms', 'first_byte_to_done_p99_ms', 'engine_utilization'] as const;

/**
 * A run saved by an older version: before runs had a mix, its one target becomes the request
 * "default" and its points get `requests`; before the latency breakdown, its phases read 0 (not
 * measured), with no bottleneck verdict.
 */
function upgrade(run: StoredRun): StoredRun {
  const s = run.summary as Partial<RunSummary> & Pick<RunSummary, 'id' | 'started_at'>;
  s.redrawn ??= 0;
  if (!s.requests && s.target) {
    const { method, url } = s.target;
    s.requests = { [DEFAULT_REQUEST_NAME]: { method, url, weight: 1, sent: s.sent ?? 0, ok: s.ok ?? 0, failed: s.failed ?? 0, dropped: s.dropped ?? 0, latency: s.latency as Percentiles, latency_breakdown: noBreakdown(), status_codes: s.status_codes ?? {}, errors: s.errors as ErrorCounts } };
  }
  for (const r of Object.values(s.requests ?? {})) r.latency_breakdown ??= noBreakdown();
  s.latency_breakdown ??= noBreakdown();
  s.engine_utilization ??= 0;
  s.bottleneck ??= null;
  s.warnings ??= [];
  for (const p of run.points ?? []) {
    p.requests ??= { [DEFAULT_REQUEST_NAME]: { sent: p.sent, ok: p.ok, failed: p.failed, dropped: p.dropped, p50_ms: p.p50_ms, p99_ms: p.p99_ms } };
    for (const f of BREAKDOWN_POINT_FIELDS) p[f] ??= 0;
  }
  return run;
}

/** Finished runs on disk (`DATA_DIR/runs/<id>.json`): the newest 50 survive a restart. */
export class RunStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'runs');
  }

  async load(): Promise<StoredRun[]> {
    await mkdir(this.dir, { recursive: true });
    const runs: StoredRun[] = [];
    for (const f of await readdir(this.dir)) {
      if (!f.endsWith('.json')) continue;
      try {
        runs.push(upgrade(JSON.parse(await readFile(join(this.dir, f), 'utf8')) as StoredRun));
      } catch {
        // A half-written or foreign file is skipped, not fatal.
      }
    }
    runs.sort((a, b) => b.summary.started_at.localeCompare(a.summary.started_at));
    for (const old of runs.slice(KEEP_RUNS)) await this.remove(old.summary.id);
    return runs.slice(0, KEEP_RUNS);
  }

  async save(run: StoredRun): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, `${run.summary.id}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(run));
    await rename(tmp, file);
  }

  async remove(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.json`), { force: true });
  }
}
