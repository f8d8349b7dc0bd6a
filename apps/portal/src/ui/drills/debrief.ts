import type { DebriefLink, DrillResult, EvidenceReading, RevealedTruth, SessionView } from '../../drills/contract.js';
import { h } from '../dom.js';
import { formatTime, pick, t, type Key } from '../i18n.js';
import { formatTimer, formatValue, seriesName } from './format.js';

function link(l: DebriefLink | undefined, text: string): HTMLElement | null {
  return l ? h('a', { href: l.url, target: '_blank', rel: 'noopener', 'data-link': `${l.service}:${l.kind}` }, text) : null;
}

function mark(ok: boolean): HTMLElement {
  return h('span', { class: ok ? 'verdict ok' : 'verdict bad', 'aria-label': ok ? '✓' : '✗' }, ok ? '✓' : '✗');
}

const label = (field: 'symptom' | 'layer', value: string) => t(`${field}.${value}` as Key);

/** What was injected and when. */
export function injectedView(truth: RevealedTruth): HTMLElement {
  return h(
    'section',
    { class: 'debrief-part', 'data-role': 'injected' },
    h('h4', {}, t('drills.injected'), ': ', pick(truth.title)),
    truth.traffic
      ? h('p', {}, t('drills.surge', { request: truth.traffic.request ?? truth.traffic.route, route: truth.traffic.route, m: truth.traffic.multiplier }))
      : h('pre', { class: 'fault-body' }, JSON.stringify(truth.fault, null, 2)),
    h(
      'p',
      { class: 'small' },
      t('drills.injected_at', {
        time: formatTime(truth.injected_at),
        s: truth.fault_after_s,
        start: formatTime(truth.started_at),
        end: truth.ended_at ? formatTime(truth.ended_at) : '–',
      }),
    ),
    h('p', { class: 'small muted' }, t('drills.seed', { seed: truth.seed })),
  );
}

function scoreTable(r: DrillResult): HTMLElement {
  // A start time not given neither gains nor costs: no verdict for it.
  const row = (field: string, yours: string, truth: string, ok: boolean | null) =>
    h('tr', { 'data-field': field }, h('th', { scope: 'row' }, field), h('td', {}, yours), h('td', {}, truth), h('td', {}, ok === null ? '–' : mark(ok)));
  return h(
    'table',
    { class: 'score-table' },
    h('thead', {}, h('tr', {}, h('th', {}, t('drills.field')), h('th', {}, t('drills.yours')), h('th', {}, t('drills.truth')), h('th', {}, ''))),
    h(
      'tbody',
      {},
      row(t('drills.symptom'), label('symptom', r.answer.symptom), label('symptom', r.truth.symptom), r.correct.symptom),
      row(t('drills.where'), r.answer.where, r.truth.where, r.correct.where),
      row(t('drills.layer'), label('layer', r.answer.layer), label('layer', r.truth.layer), r.correct.layer),
      row(t('drills.started_at'), r.answer.started_at ? formatTime(r.answer.started_at) : t('drills.not_given'), formatTime(r.truth.started_at), r.answer.started_at ? r.correct.started_at : null),
    ),
  );
}

function evidenceRow(e: EvidenceReading, links: readonly DebriefLink[]): HTMLElement {
  const graph = links.find((l) => l.kind === `graph:${e.id}`);
  let values: HTMLElement;
  if (e.series === null) values = h('p', { class: 'small muted' }, e.error ?? '');
  else if (e.series.length === 0) values = h('p', { class: 'small muted' }, t('drills.no_series'));
  else
    values = h(
      'table',
      { class: 'values' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, t('drills.before')), h('th', {}, t('drills.during')))),
      h(
        'tbody',
        {},
        ...e.series.map((s) =>
          h('tr', {}, h('td', {}, seriesName(s.labels) || '·'), h('td', { class: 'num' }, formatValue(s.before, e.unit)), h('td', { class: 'num' }, formatValue(s.during, e.unit))),
        ),
      ),
    );
  return h(
    'article',
    { class: 'evidence', 'data-evidence': e.id },
    h('p', {}, pick(e.explain)),
    h('code', { class: 'expr' }, e.expr),
    values,
    link(graph, t('drills.open_prometheus')),
  );
}

function alertsView(r: DrillResult): HTMLElement {
  const badge = (name: string) => h('span', { class: 'badge alertname', 'data-alertname': name }, name);
  let body: HTMLElement[];
  if (!r.alerts) body = [h('p', { class: 'small muted' }, t('drills.alerts_unknown'))];
  else
    body = [
      h('p', { class: 'small', 'data-role': 'fired' }, h('strong', {}, `${t('drills.fired')}: `), ...(r.alerts.fired.length ? r.alerts.fired.map((a) => badge(a.alertname)) : [t('drills.none_fired')])),
      h('p', { class: 'small', 'data-role': 'not-fired' }, h('strong', {}, `${t('drills.not_fired')}: `), ...r.alerts.not_fired.map((a) => badge(a.alertname))),
    ];
  return h('section', { class: 'debrief-part', 'data-role': 'alerts' }, h('h4', {}, t('drills.alerts')), ...body);
}

function tracesView(r: DrillResult): HTMLElement {
  return h(
    'section',
    { class: 'debrief-part', 'data-role': 'traces' },
    h('h4', {}, t('drills.traces')),
    r.traces.length === 0
      ? h('p', { class: 'small muted' }, t('drills.no_traces'))
      : h(
          'ul',
          { class: 'traces' },
          ...r.traces.map((x) => {
            const jaeger = r.links.find((l) => l.kind === `trace:${x.trace_id}`);
            const id = h('code', { 'data-trace-id': x.trace_id }, x.trace_id);
            const shown = jaeger ? h('a', { href: jaeger.url, target: '_blank', rel: 'noopener', 'data-link': `jaeger:${jaeger.kind}` }, id) : id;
            return h('li', {}, shown, ` · ${formatValue(x.value_s, 'seconds')} · ${seriesName(x.labels)} ${x.labels.status_code ?? ''}`);
          }),
        ),
  );
}

/** The debrief of an answered session: score per field, what was injected, the evidence with its values, alerts, traces, links. */
export function debriefView(session: SessionView, r: DrillResult, actions: HTMLElement): HTMLElement {
  const other = r.links.filter((l) => !l.kind.startsWith('graph:') && !l.kind.startsWith('trace:'));
  return h(
    'div',
    { class: 'debrief', 'data-role': 'debrief', 'data-score': r.score },
    h(
      'div',
      { class: 'score-head' },
      h('div', { class: 'score', 'data-role': 'score' }, h('strong', {}, String(r.score)), h('span', {}, ' / 100')),
      h(
        'p',
        { class: 'small muted' },
        `${t('drills.hints_used', { n: r.hints_used, total: session.hints_total })} · ${formatTimer(session.elapsed_s)}`,
      ),
    ),
    scoreTable(r),
    injectedView(r.truth),
    h(
      'section',
      { class: 'debrief-part', 'data-role': 'evidence' },
      h('h4', {}, t('drills.evidence')),
      h('p', { class: 'small muted' }, t('drills.evidence_lead', { range: r.window.range })),
      r.prometheus.available ? null : h('p', { class: 'state warn', 'data-state': 'no-prometheus' }, t('drills.no_values', { reason: r.prometheus.reason ?? '' })),
      ...r.evidence.map((e) => evidenceRow(e, r.links)),
    ),
    alertsView(r),
    tracesView(r),
    other.length
      ? h('section', { class: 'debrief-part', 'data-role': 'links' }, h('h4', {}, t('drills.links')), h('p', { class: 'link-list' }, ...other.map((l) => link(l, t(`drills.link.${l.kind}` as Key)))))
      : null,
    r.cleanup_errors.length ? h('p', { class: 'state warn small' }, t('drills.cleanup', { errors: r.cleanup_errors.join('; ') })) : null,
    actions,
  );
}
