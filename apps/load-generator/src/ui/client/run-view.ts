// One run: counters (the original's five and more), live charts over SSE, the final summary, the report.
import { BOTTLENECK_GENERATOR } from '../../contract/constants.js';
import type { Percentiles, RunSummary, SeriesPoint } from '../../contract/schemas.js';
import { api, ApiError } from './api.js';
import { RunCharts } from './charts.js';
import { fmt, fmtMs, h, tx } from './dom.js';
import { onLang, profileName, t, type Key } from './i18n.js';
import { describeRequests, RequestBreakdown } from './run-breakdown.js';

const MAX_RECONNECTS = 30;

/** A latency in ms without the unit (the table header says ms). */
function fmtNum(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '—';
  return fmt(n, n < 10 ? 2 : n < 100 ? 1 : 0);
}

export class RunView {
  readonly el: HTMLElement;
  private points: SeriesPoint[] = [];
  private summary: RunSummary | null = null;
  private charts: RunCharts | null = null;
  private readonly breakdown = new RequestBreakdown();
  private es: EventSource | null = null;
  private closed = false;
  private reconnects = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly id: string,
    private readonly onFinished: () => void,
  ) {
    this.el = h(
      'div',
      { class: 'run', 'data-run-id': id },
      h(
        'div',
        { class: 'run-head' },
        h('h2', { id: 'run-title', tabindex: '-1' }, tx('run'), ' ', h('code', {}, id.slice(0, 8))),
        h('span', { id: 'run-state', class: 'badge' }),
        h('button', { type: 'button', id: 'stop', class: 'danger', hidden: true, onclick: () => void this.stop() }, tx('stop')),
      ),
      h('p', { id: 'run-target', class: 'run-target' }),
      h('p', { id: 'run-error', class: 'field-error', role: 'alert', hidden: true }),
      h('p', { id: 'run-bottleneck', class: 'warning', role: 'status', hidden: true }),
      h('ul', { id: 'run-warnings', class: 'warning warnings', role: 'status', hidden: true }),
      h('progress', { id: 'run-progress', max: '1', value: '0' }),
      h(
        'dl',
        { class: 'counters', id: 'counters', 'aria-live': 'off' },
        ...(
          [
            ['total', 'c-total'],
            ['success', 'c-success'],
            ['fail', 'c-fail'],
            ['successRate', 'c-success-rate'],
            ['currentRps', 'c-rps'],
            ['targetRps', 'c-target'],
            ['dropped', 'c-dropped'],
            ['inFlight', 'c-in-flight'],
            ['p99', 'c-p99'],
            ['p99IntendedToSent', 'c-to-sent'],
            ['p99SentToFirstByte', 'c-to-first-byte'],
            ['p99FirstByteToDone', 'c-to-done'],
            ['elapsed', 'c-elapsed'],
          ] as Array<[Key, string]>
        ).map(([k, id]) => h('div', { class: `counter ${id}` }, h('dt', {}, tx(k)), h('dd', { id }, '—'))),
      ),
      h(
        'div',
        { class: 'charts' },
        h('figure', { class: 'chart' }, h('figcaption', {}, tx('chartRps')), h('div', { id: 'chart-rps', class: 'chart-box' })),
        h('figure', { class: 'chart' }, h('figcaption', {}, tx('chartLatency')), h('div', { id: 'chart-latency', class: 'chart-box' })),
        h('figure', { class: 'chart' }, h('figcaption', {}, tx('chartStatus')), h('div', { id: 'chart-status', class: 'chart-box' })),
        h('figure', { class: 'chart' }, h('figcaption', {}, tx('chartInFlight')), h('div', { id: 'chart-inflight', class: 'chart-box' })),
      ),
      this.breakdown.el,
      h('section', { id: 'run-summary', class: 'summary', hidden: true, 'aria-labelledby': 'summary-title' }),
    );
    onLang(() => {
      if (this.closed) return false;
      if (this.summary) this.renderSummary(this.summary);
    });
  }

  private q<E extends HTMLElement = HTMLElement>(sel: string): E {
    return this.el.querySelector(sel) as E;
  }

  /** Call after `el` is in the document (charts need its width). */
  async start(): Promise<void> {
    this.charts = new RunCharts(
      { rps: this.q('#chart-rps'), latency: this.q('#chart-latency'), status: this.q('#chart-status'), inflight: this.q('#chart-inflight') },
      { target: t('targetRps'), achieved: t('achievedRps'), service: t('serviceLatency'), intendedToSent: t('intendedToSent'), inFlight: t('inFlight'), dropped: t('dropped') },
    );
    try {
      const [summary, series] = await Promise.all([api.run(this.id), api.series(this.id)]);
      if (this.closed) return;
      this.points = series.points;
      this.charts.update(this.points);
      this.renderSummary(summary);
      if (summary.state === 'running') this.connect();
    } catch (err) {
      this.showError(err as ApiError);
    }
  }

  private showError(err: ApiError): void {
    const box = this.q('#run-error');
    box.textContent = err.status === 0 ? t('err_network', { msg: err.message }) : t('err_generic', { msg: err.message });
    box.hidden = false;
  }

  private connect(): void {
    if (this.closed) return;
    const es = new EventSource(api.eventsUrl(this.id));
    this.es = es;
    es.addEventListener('open', () => {
      this.q('#run-error').hidden = true;
    });
    es.addEventListener('progress', (ev) => {
      const data = JSON.parse((ev as MessageEvent<string>).data) as { summary: RunSummary; point?: SeriesPoint };
      if (data.point) this.addPoint(data.point);
      this.renderSummary(data.summary);
    });
    es.addEventListener('done', (ev) => {
      es.close();
      this.es = null;
      const summary = JSON.parse((ev as MessageEvent<string>).data) as RunSummary;
      void this.finish(summary);
    });
    es.addEventListener('error', () => {
      // The server closed the stream or the network dropped: look at the run and decide.
      es.close();
      this.es = null;
      if (this.closed) return;
      void api
        .run(this.id)
        .then((s) => {
          if (s.state !== 'running') return this.finish(s);
          if (++this.reconnects > MAX_RECONNECTS) return;
          const box = this.q('#run-error');
          box.textContent = t('connectionLost');
          box.hidden = false;
          this.reconnectTimer = setTimeout(() => {
            void api.series(this.id).then((series) => {
              this.points = series.points;
              this.charts?.update(this.points);
              this.connect();
            });
          }, 1000);
        })
        .catch((err: ApiError) => this.showError(err));
    });
  }

  private addPoint(p: SeriesPoint): void {
    const last = this.points[this.points.length - 1];
    if (last && last.t === p.t) this.points[this.points.length - 1] = p;
    else if (!last || p.t > last.t) this.points.push(p);
    this.charts?.update(this.points);
  }

  private async finish(summary: RunSummary): Promise<void> {
    this.renderSummary(summary);
    try {
      const series = await api.series(this.id);
      if (this.closed) return;
      this.points = series.points;
      this.charts?.update(this.points);
      this.renderSummary(await api.run(this.id));
    } catch {
      /* the summary from the event is enough */
    }
    this.onFinished();
  }

  private async stop(): Promise<void> {
    const btn = this.q<HTMLButtonElement>('#stop');
    btn.disabled = true;
    try {
      const summary = await api.stop(this.id);
      this.renderSummary(summary);
      if (summary.state !== 'running') {
        this.es?.close();
        this.es = null;
        await this.finish(summary);
      }
    } catch (err) {
      this.showError(err as ApiError);
    } finally {
      btn.disabled = false;
    }
  }

  private renderSummary(s: RunSummary): void {
    this.summary = s;
    const set = (id: string, text: string) => {
      const el = this.q(`#${id}`);
      if (el) el.textContent = text;
    };
    const stateEl = this.q('#run-state');
    stateEl.textContent = t(`state_${s.state}` as Key);
    stateEl.className = `badge state-${s.state}`;
    this.q('#stop').hidden = s.state !== 'running';
    this.q('#run-target').textContent = `${describeRequests(s)} · ${profileName(s.profile)} · ${fmt(s.target_rate, 2)} rps · ${fmt(s.duration, 1)} s`;
    if (s.error) {
      const box = this.q('#run-error');
      box.textContent = t('err_generic', { msg: s.error });
      box.hidden = false;
    }
    const completed = s.ok + s.failed;
    const last = this.points[this.points.length - 1];
    set('c-total', fmt(s.sent));
    set('c-success', fmt(s.ok));
    set('c-fail', fmt(s.failed));
    set('c-success-rate', completed ? `${fmt((s.ok / completed) * 100, 1)} %` : '—');
    set('c-rps', s.state === 'running' && last ? fmt(last.sent) : fmt(s.achieved_rps, 1));
    set('c-target', fmt(s.state === 'running' && last ? last.target_rps : s.target_rate, 1));
    set('c-dropped', fmt(s.dropped));
    set('c-in-flight', fmt(s.in_flight));
    set('c-p99', fmtMs(s.latency?.p99));
    // The total's three phases beside it (absent from runs saved before the breakdown existed).
    const b = s.latency_breakdown;
    set('c-to-sent', b ? fmtMs(b.intended_to_sent.p99) : '—');
    set('c-to-first-byte', b ? fmtMs(b.sent_to_first_byte.p99) : '—');
    set('c-to-done', b ? fmtMs(b.first_byte_to_done.p99) : '—');
    this.renderBottleneck(s);
    this.renderWarnings(s);
    set('c-elapsed', `${fmt(s.elapsed, 0)} / ${fmt(s.duration, 0)} s`);
    const progress = this.q<HTMLProgressElement>('#run-progress');
    progress.value = s.duration > 0 ? Math.min(1, s.elapsed / s.duration) : 1;
    this.q('#counters').classList.toggle('final', s.state !== 'running');
    this.breakdown.update(s, this.points);
    if (s.state !== 'running') this.renderFinal(s);
  }

  /** The generator's own verdict on the run (summary.bottleneck), in the page's language, with its numbers. */
  private renderBottleneck(s: RunSummary): void {
    const box = this.q('#run-bottleneck');
    box.hidden = s.bottleneck !== 'generator';
    if (box.hidden) return;
    const arrivals = s.sent + s.dropped;
    box.textContent = t('bottleneckGenerator', {
      wait: fmtNum(s.latency_breakdown?.intended_to_sent.p99),
      lag: fmtNum(s.lag_p99_ms),
      dropped: `${fmt(arrivals ? (100 * s.dropped) / arrivals : 0, 1)} %`,
      busy: `${fmt((s.engine_utilization ?? 0) * 100, 0)} %`,
    });
  }

  /**
   * The summary's other warnings (drops by a slow target, a stall in the generator), as the server
   * words them: the bottleneck's own is shown above, in the page's language.
   */
  private renderWarnings(s: RunSummary): void {
    const list = this.q('#run-warnings');
    const others = s.warnings.filter((w) => !w.startsWith(BOTTLENECK_GENERATOR));
    list.hidden = others.length === 0;
    if (list.children.length === others.length && others.every((w, i) => list.children[i]?.textContent === w)) return;
    list.replaceChildren(...others.map((w) => h('li', {}, w)));
  }

  private renderFinal(s: RunSummary): void {
    const box = this.q('#run-summary');
    box.hidden = false;
    const pct = (p: Percentiles | undefined) => (['p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const).map((k) => h('td', {}, fmtNum(p?.[k])));
    const kv = (obj: Record<string, number> | undefined) => {
      const entries = Object.entries(obj ?? {}).filter(([, v]) => v);
      return entries.length ? entries.map(([k, v]) => `${k}: ${fmt(v)}`).join(', ') : t('none');
    };
    box.replaceChildren(
      h('h3', { id: 'summary-title' }, t('summary')),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'latency' },
          h('thead', {}, h('tr', {}, h('th', { class: 'unit' }, 'ms'), ...['p50', 'p90', 'p95', 'p99', 'p99.9', 'max'].map((k) => h('th', { scope: 'col' }, k)))),
          h(
            'tbody',
            {},
            h('tr', {}, h('th', { scope: 'row' }, t('latencyIntended')), ...pct(s.latency)),
            // Its three phases under the latency they add up to.
            h('tr', { class: 'phase', id: 's-intended-to-sent' }, h('th', { scope: 'row' }, t('intendedToSent')), ...pct(s.latency_breakdown?.intended_to_sent)),
            h('tr', { class: 'phase', id: 's-sent-to-first-byte' }, h('th', { scope: 'row' }, t('sentToFirstByte')), ...pct(s.latency_breakdown?.sent_to_first_byte)),
            h('tr', { class: 'phase', id: 's-first-byte-to-done' }, h('th', { scope: 'row' }, t('firstByteToDone')), ...pct(s.latency_breakdown?.first_byte_to_done)),
            h('tr', {}, h('th', { scope: 'row' }, t('latencyService')), ...pct(s.service_latency)),
          ),
        ),
      ),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('achievedRps')),
        h('dd', { id: 's-achieved' }, fmt(s.achieved_rps, 2)),
        h('dt', {}, t('lagP99')),
        h('dd', {}, fmtMs(s.lag_p99_ms)),
        h('dt', {}, t('engineBusy')),
        h('dd', { id: 's-engine-busy' }, `${fmt((s.engine_utilization ?? 0) * 100, 0)} %`),
        h('dt', {}, t('statusCodes')),
        h('dd', { id: 's-status' }, kv(s.status_codes)),
        h('dt', {}, t('errors')),
        h('dd', { id: 's-errors' }, kv(s.errors)),
        h('dt', {}, 'seed'),
        h('dd', {}, s.seed === undefined || s.seed === null ? '—' : String(s.seed)),
      ),
      h(
        'p',
        { class: 'downloads' },
        t('download'),
        ': ',
        h('a', { href: api.reportUrl(this.id, 'json'), download: `run-${this.id}.json`, id: 'report-json' }, 'JSON'),
        ' · ',
        h('a', { href: api.reportUrl(this.id, 'csv'), download: `run-${this.id}.csv`, id: 'report-csv' }, 'CSV'),
      ),
    );
  }

  focus(): void {
    this.q('#run-title').focus();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.es?.close();
    this.es = null;
    this.charts?.destroy();
    this.breakdown.destroy();
  }
}
