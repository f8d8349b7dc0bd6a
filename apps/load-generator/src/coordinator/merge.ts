import type { RunState, RunSummary, SeriesPoint, Window, WindowsPage } from '../contract/schemas.js';
import { RunTotals, summarize, type RequestInfo } from '../engine/run-totals.js';
import { fromWire, type WireWindow } from '../engine/stats.js';
import { WindowMerger } from '../engine/window-merger.js';
import { buildProfile } from '../profiles/registry.js';

/** What every share of one split run must agree on, read from a share's summary. */
interface Definition {
  profile: { id: string; rate: number; duration: number; options: Record<string, unknown>; seed: number };
  requests: RequestInfo[];
}

function definitionOf(s: RunSummary): Definition {
  return {
    profile: { id: s.profile, rate: s.target_rate, duration: s.duration, options: s.profile_options, seed: s.seed },
    requests: Object.entries(s.requests).map(([name, r]) => ({ name, method: r.method as RequestInfo['method'], url: r.url, weight: r.weight })),
  };
}

/** Why two shares are not parts of one run, or undefined when they are. */
function disagreement(a: Definition, b: Definition): string | undefined {
  const checks: Array<[string, unknown, unknown]> = [
    ['seed', a.profile.seed, b.profile.seed],
    ['profile', a.profile.id, b.profile.id],
    ['rate', a.profile.rate, b.profile.rate],
    ['duration', a.profile.duration, b.profile.duration],
    ['profile_options', JSON.stringify(a.profile.options), JSON.stringify(b.profile.options)],
    ['requests', JSON.stringify(a.requests), JSON.stringify(b.requests)],
  ];
  const bad = checks.find(([, x, y]) => x !== y);
  return bad ? `${bad[0]} ${JSON.stringify(bad[1])} ≠ ${JSON.stringify(bad[2])}` : undefined;
}

/**
 * Merges the shares of a run split across load generators into the run's results, exactly: each
 * generator's raw windows (GET /api/runs/:id/windows) are decoded and merged second by second
 * (counts add, HDR histograms merge; engine/window-merger.ts, the same merge the engine does for
 * its threads), then totalled into the series and the summary like one run's (engine/run-totals.ts).
 * Pure: the pages come from whoever fetched them (the portal's coordinator, the CLI).
 */
export class SplitRunMerge {
  readonly points: SeriesPoint[] = [];
  private readonly merger: WindowMerger;
  private readonly totals: RunTotals;
  private readonly definition: Definition;
  /** The newest summary of each share. */
  private readonly shares: Array<RunSummary | undefined>;

  /** `first`: the summary of one share (they must all agree on the run); `count`: the number of shares. */
  constructor(first: RunSummary, count: number) {
    this.definition = definitionOf(first);
    const { profile, requests } = this.definition;
    const { curve } = buildProfile({ profile: profile.id, rate: profile.rate, duration: profile.duration, options: profile.options, seed: profile.seed });
    this.totals = new RunTotals({ requests, curve, duration: profile.duration });
    this.merger = new WindowMerger(count);
    this.shares = new Array<RunSummary | undefined>(count).fill(undefined);
  }

  /** Throws when share `summary` is not a part of this run (another seed, profile, mix, …). */
  check(summary: RunSummary): void {
    const why = disagreement(this.definition, definitionOf(summary));
    if (why) throw new Error(`not a share of the same run: ${why} (different load generator versions, or presets that differ between them?)`);
  }

  /** Adds a page of share `i`'s windows; returns the seconds that became complete, merged. */
  add(i: number, page: Pick<WindowsPage, 'summary' | 'windows' | 'done'>): SeriesPoint[] {
    this.check(page.summary);
    this.shares[i] = page.summary;
    for (const w of page.windows) this.merger.add(i, fromWire(w as Window as WireWindow));
    if (page.done) this.merger.end(i);
    return this.take(this.merger.drain(false));
  }

  /** Share `i` sends nothing more (it ended, or it is lost): the seconds it blocked are merged without it. */
  end(i: number): SeriesPoint[] {
    this.merger.end(i);
    return this.take(this.merger.drain(false));
  }

  /** Merges whatever is pending (the run is over). */
  finish(): SeriesPoint[] {
    return this.take(this.merger.drain(true));
  }

  private take(windows: ReturnType<WindowMerger['drain']>): SeriesPoint[] {
    const points = windows.map((w) => this.totals.add(w));
    this.points.push(...points);
    return points;
  }

  /** The merged run's summary, in the shape of one run's. */
  summary(head: { id: string; state: RunState; error?: string | undefined; startedAt: Date; finishedAt?: Date | undefined; over: boolean }): RunSummary {
    const known = this.shares.filter((s): s is RunSummary => s !== undefined);
    const elapsed = Math.max(0, ...known.map((s) => s.elapsed));
    const duration = this.definition.profile.duration;
    return summarize(this.totals, {
      ...head,
      elapsed,
      covered: head.over ? Math.min(elapsed, duration) : Math.min(this.points.length, duration),
      inFlight: known.reduce((n, s) => n + s.in_flight, 0),
      profile: this.definition.profile,
      // Each generator judged its own schedule (its cap, its threads): the run was limited by a
      // generator when any of them says so.
      verdict: {
        bottleneck: known.some((s) => s.bottleneck === 'generator') ? 'generator' : null,
        warnings: known.flatMap((s) => s.warnings.map((w) => (s.segment ? `share ${s.segment.index + 1}/${s.segment.count}: ${w}` : w))),
      },
    });
  }
}
