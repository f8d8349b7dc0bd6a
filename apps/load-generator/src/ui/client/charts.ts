// uPlot charts of a run's per-second series and of a profile's planned rate.
import uPlot from 'uplot';
import type { ErrorClass, SeriesPoint } from '../../contract/schemas.js';

const COLORS = {
  target: '#8b949e',
  achieved: '#1f6feb',
  p50: '#2da44e',
  p95: '#bf8700',
  p99: '#cf222e',
  inFlight: '#8250df',
  dropped: '#cf222e',
};

const STATUS_COLOR: Record<string, string> = { '1': '#6e7781', '2': '#2da44e', '3': '#1f6feb', '4': '#d4a72c', '5': '#cf222e' };
const ERROR_COLOR: Record<string, string> = { timeout: '#8250df', refused: '#bc4c00', reset: '#a40e26', dns: '#6639ba', other: '#57606a' };

function widthOf(el: HTMLElement): number {
  return Math.max(200, Math.floor(el.clientWidth));
}

const HEIGHT = 180;

const xAxis: uPlot.Axis = { label: 's', labelSize: 14, size: 30, space: 50 };
const yAxis = (label?: string): uPlot.Axis => ({ size: 50, ...(label ? { label, labelSize: 14 } : {}) });

interface Chart {
  el: HTMLElement;
  plot: uPlot | null;
}

const charts = new Set<Chart>();
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    for (const c of charts) {
      if (c.plot && c.el.isConnected) c.plot.setSize({ width: widthOf(c.el), height: HEIGHT });
      else if (!c.el.isConnected) charts.delete(c);
    }
  }, 100);
});

function make(el: HTMLElement, opts: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData): Chart {
  el.replaceChildren();
  const chart: Chart = { el, plot: new uPlot({ width: widthOf(el), height: HEIGHT, ...opts }, data, el) };
  charts.add(chart);
  return chart;
}

function destroy(chart: Chart | null): void {
  if (!chart) return;
  chart.plot?.destroy();
  chart.plot = null;
  charts.delete(chart);
}

const num = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

/** The planned rate r(t) of a profile, before a run starts. */
export class PreviewChart {
  private chart: Chart | null = null;
  constructor(private readonly el: HTMLElement) {}

  set(points: Array<{ t: number; rate: number }>, label: string): void {
    destroy(this.chart);
    this.chart = make(
      this.el,
      {
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [xAxis, yAxis('rps')],
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        series: [{}, { label, stroke: COLORS.achieved, width: 2, fill: 'rgba(31,111,235,0.12)' }],
      },
      [points.map((p) => p.t), points.map((p) => p.rate)],
    );
  }
}

export interface RunChartLabels {
  target: string;
  achieved: string;
  service: string;
  intendedToSent: string;
  inFlight: string;
  dropped: string;
}

/** The four live charts of a run; `update` redraws with all points so far. */
export class RunCharts {
  private rps: Chart;
  private latency: Chart;
  private status: Chart | null = null;
  private statusKeys = '';
  private inflight: Chart;
  private statusRaw: number[][] = [];

  constructor(
    private readonly els: { rps: HTMLElement; latency: HTMLElement; status: HTMLElement; inflight: HTMLElement },
    labels: RunChartLabels,
  ) {
    const zeroMin: uPlot.Scale = { range: (_u, _min, max) => [0, Math.max(1, (max ?? 0) * 1.1)] };
    this.rps = make(
      els.rps,
      {
        scales: { x: { time: false }, y: zeroMin },
        axes: [xAxis, yAxis('rps')],
        series: [
          { label: 't' },
          { label: labels.achieved, stroke: COLORS.achieved, width: 2 },
          // Drawn last, dashed, so it stays visible where the achieved rate matches it.
          { label: labels.target, stroke: COLORS.target, width: 2, dash: [6, 4] },
        ],
      },
      [[], [], []],
    );
    this.latency = make(
      els.latency,
      {
        scales: { x: { time: false }, y: zeroMin },
        axes: [xAxis, yAxis('ms')],
        series: [
          { label: 't' },
          { label: 'p50', stroke: COLORS.p50, width: 2 },
          { label: 'p95', stroke: COLORS.p95, width: 2 },
          { label: 'p99', stroke: COLORS.p99, width: 2 },
          { label: `${labels.service} p50`, stroke: COLORS.p50, width: 1, dash: [4, 4] },
          { label: `${labels.service} p99`, stroke: COLORS.p99, width: 1, dash: [4, 4] },
          { label: `${labels.intendedToSent} p99`, stroke: COLORS.dropped, width: 1, dash: [1, 3] },
        ],
      },
      [[], [], [], [], [], [], []],
    );
    this.inflight = make(
      els.inflight,
      {
        scales: { x: { time: false }, y: zeroMin },
        axes: [xAxis, yAxis()],
        series: [
          { label: 't' },
          { label: labels.inFlight, stroke: COLORS.inFlight, width: 2 },
          { label: labels.dropped, stroke: COLORS.dropped, width: 2, fill: 'rgba(207,34,46,0.12)' },
        ],
      },
      [[], [], []],
    );
  }

  update(points: SeriesPoint[]): void {
    const t = points.map((p) => p.t);
    this.rps.plot?.setData([t, points.map((p) => num(p.sent)), points.map((p) => num(p.target_rps))]);
    this.latency.plot?.setData([
      t,
      points.map((p) => num(p.p50_ms)),
      points.map((p) => num(p.p95_ms)),
      points.map((p) => num(p.p99_ms)),
      points.map((p) => num(p.service_p50_ms)),
      points.map((p) => num(p.service_p99_ms)),
      points.map((p) => num(p.intended_to_sent_p99_ms)),
    ]);
    this.inflight.plot?.setData([t, points.map((p) => num(p.in_flight)), points.map((p) => num(p.dropped))]);
    this.updateStatus(points, t);
  }

  /** Status codes and error classes, stacked: each drawn line is the running sum up to that key. */
  private updateStatus(points: SeriesPoint[], t: number[]): void {
    const codes = new Set<string>();
    const errs = new Set<ErrorClass>();
    for (const p of points) {
      for (const [k, v] of Object.entries(p.status_codes ?? {})) if (v) codes.add(k);
      for (const [k, v] of Object.entries(p.errors ?? {})) if (v) errs.add(k as ErrorClass);
    }
    const keys = [...[...codes].sort().map((c) => ({ kind: 'code' as const, key: c })), ...[...errs].sort().map((e) => ({ kind: 'error' as const, key: e }))];
    const raw = keys.map((k) => points.map((p) => (k.kind === 'code' ? p.status_codes?.[k.key] : p.errors?.[k.key]) ?? 0));
    // Stack from the top: series i holds the sum of keys i..n, so the smaller sums are drawn over the larger.
    const stacked = raw.map((_, i) => points.map((_p, j) => raw.slice(i).reduce((s, r) => s + (r[j] ?? 0), 0)));
    this.statusRaw = raw;
    const sig = keys.map((k) => `${k.kind}:${k.key}`).join(',');
    if (!this.status || sig !== this.statusKeys) {
      destroy(this.status);
      this.statusKeys = sig;
      this.status = make(
        this.els.status,
        {
          scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, (max ?? 0) * 1.1)] } },
          axes: [xAxis, yAxis('/s')],
          series: [
            { label: 't' },
            ...keys.map((k, i): uPlot.Series => {
              const color = k.kind === 'code' ? (STATUS_COLOR[k.key[0] ?? ''] ?? '#6e7781') : (ERROR_COLOR[k.key] ?? '#57606a');
              return {
                label: k.key,
                stroke: color,
                fill: `${color}99`,
                width: 1,
                value: (_u, _v, _si, idx) => (idx === null ? '--' : String(this.statusRaw[i]?.[idx] ?? 0)),
              };
            }),
          ],
        },
        [t, ...stacked],
      );
      return;
    }
    this.status.plot?.setData([t, ...stacked]);
  }

  destroy(): void {
    destroy(this.rps);
    destroy(this.latency);
    destroy(this.status);
    destroy(this.inflight);
  }
}

const REQUEST_COLORS = ['#1f6feb', '#2da44e', '#bf8700', '#cf222e', '#8250df', '#0a7ea4', '#bc4c00', '#57606a', '#d63384', '#116329'];

/** p99 latency per second of each request of a mix, one line per request. */
export class RequestLatencyChart {
  private chart: Chart | null = null;
  private names = '';

  constructor(private readonly el: HTMLElement) {}

  update(points: SeriesPoint[], names: string[]): void {
    const t = points.map((p) => p.t);
    const data: uPlot.AlignedData = [t, ...names.map((n) => points.map((p) => num(p.requests?.[n]?.sent ? p.requests[n]?.p99_ms : null)))];
    const sig = names.join('\u0000');
    if (!this.chart || sig !== this.names) {
      destroy(this.chart);
      this.names = sig;
      this.chart = make(
        this.el,
        {
          scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, (max ?? 0) * 1.1)] } },
          axes: [xAxis, yAxis('ms')],
          series: [{ label: 't' }, ...names.map((n, i): uPlot.Series => ({ label: n, stroke: REQUEST_COLORS[i % REQUEST_COLORS.length], width: 2, spanGaps: true }))],
        },
        data,
      );
      return;
    }
    this.chart.plot?.setData(data);
  }

  destroy(): void {
    destroy(this.chart);
    this.chart = null;
  }
}
