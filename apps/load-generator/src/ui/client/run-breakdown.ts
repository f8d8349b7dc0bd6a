// A mix's breakdown in the run view: a table per request (the real share of arrivals, counts, status
// codes, latency from the intended time) and a chart of each request's p99 per second.
import type { RunSummary, SeriesPoint } from '../../contract/schemas.js';
import { RequestLatencyChart } from './charts.js';
import { fmt, h, tx } from './dom.js';
import { t } from './i18n.js';

/** "GET http://…" for one request, "Mix of 4: list, create, …" for a mix. */
export function describeRequests(s: RunSummary): string {
  const names = Object.keys(s.requests ?? {});
  return names.length > 1 ? `${t('mixOf', { n: names.length })}: ${names.join(', ')}` : `${s.target.method} ${s.target.url}`;
}

const ms = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '—' : fmt(n, n < 10 ? 2 : n < 100 ? 1 : 0));

export class RequestBreakdown {
  readonly el: HTMLElement;
  private readonly chart: RequestLatencyChart;

  constructor() {
    this.el = h(
      'section',
      { id: 'run-requests', class: 'breakdown', hidden: true, 'aria-labelledby': 'requests-title' },
      h('h3', { id: 'requests-title' }, tx('requestsBreakdown')),
      h('div', { class: 'table-wrap', id: 'requests-table-wrap' }),
      h('figure', { class: 'chart' }, h('figcaption', {}, tx('chartRequests')), h('div', { id: 'chart-requests', class: 'chart-box' })),
    );
    this.chart = new RequestLatencyChart(this.el.querySelector('#chart-requests') as HTMLElement);
  }

  /** Shown for a mix only: one request's numbers are the run's. */
  update(s: RunSummary, points: SeriesPoint[]): void {
    const entries = Object.entries(s.requests ?? {});
    this.el.hidden = entries.length < 2;
    if (this.el.hidden) return;
    const arrivals = entries.reduce((n, [, r]) => n + r.sent + r.dropped, 0);
    const head = [t('request'), t('method'), t('share'), t('sentCol'), t('success'), t('fail'), 'p50', 'p95', 'p99', 'max', t('statusCodes')];
    (this.el.querySelector('#requests-table-wrap') as HTMLElement).replaceChildren(
      h(
        'table',
        { id: 'requests-table', class: 'requests-table' },
        h('thead', {}, h('tr', {}, ...head.map((c, i) => h('th', { scope: 'col', class: i === 0 ? 'unit' : undefined }, i >= 6 && i <= 9 ? `${c}, ms` : c)))),
        h(
          'tbody',
          {},
          ...entries.map(([name, r]) =>
            h(
              'tr',
              { 'data-request': name },
              h('th', { scope: 'row' }, name),
              h('td', {}, r.method),
              h('td', { class: 'share' }, arrivals ? `${fmt((100 * (r.sent + r.dropped)) / arrivals, 1)} %` : '—'),
              h('td', { class: 'sent' }, fmt(r.sent)),
              h('td', { class: 'ok' }, fmt(r.ok)),
              h('td', { class: 'failed' }, fmt(r.failed)),
              h('td', { class: 'p50' }, ms(r.latency.p50)),
              h('td', { class: 'p95' }, ms(r.latency.p95)),
              h('td', { class: 'p99' }, ms(r.latency.p99)),
              h('td', { class: 'max' }, ms(r.latency.max)),
              h('td', { class: 'codes' }, Object.entries(r.status_codes).map(([c, n]) => `${c}: ${fmt(n)}`).join(', ') || t('none')),
            ),
          ),
        ),
      ),
    );
    this.chart.update(points, entries.map(([n]) => n));
  }

  destroy(): void {
    this.chart.destroy();
  }
}
