import type { DrillInfo } from '../../drills/schema.js';
import type { HistoryEntry } from '../../drills/contract.js';
import { h } from '../dom.js';
import { formatTime, pick, t } from '../i18n.js';
import { formatTimer } from './format.js';

/** Per drill: how often it was played and the best score (answered sessions only count for the best). */
function scoreboard(history: readonly HistoryEntry[], catalogue: readonly DrillInfo[]): HTMLElement {
  const answered = history.filter((e) => e.score !== null);
  const average = answered.length ? Math.round(answered.reduce((sum, e) => sum + (e.score ?? 0), 0) / answered.length) : null;
  return h(
    'div',
    { class: 'scoreboard', 'data-role': 'scoreboard' },
    average === null ? null : h('p', { class: 'small', 'data-role': 'average' }, t('drills.average', { score: average, n: answered.length })),
    h(
      'ul',
      { class: 'board' },
      ...catalogue.flatMap((d) => {
        const played = history.filter((e) => e.drill === d.id);
        if (played.length === 0) return [];
        const best = Math.max(...played.map((e) => e.score ?? 0));
        return [h('li', { 'data-drill': d.id }, h('strong', {}, pick(d.title)), ` · ${t('drills.best', { score: best })} · ${t('drills.attempts', { n: played.length })}`)];
      }),
    ),
  );
}

/** The finished sessions, newest first, each opening its debrief; the scoreboard above them. */
export function historyView(history: readonly HistoryEntry[], catalogue: readonly DrillInfo[], open: (id: string) => void): HTMLElement {
  if (history.length === 0) return h('p', { class: 'state', 'data-state': 'empty' }, t('drills.history_empty'));
  return h(
    'div',
    {},
    scoreboard(history, catalogue),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'history' },
        h(
          'thead',
          {},
          h('tr', {}, ...(['when', 'drill', 'score', 'hints', 'time'] as const).map((c) => h('th', {}, t(`drills.col.${c}`))), h('th', {}, '')),
        ),
        h(
          'tbody',
          {},
          ...history.map((e) =>
            h(
              'tr',
              { 'data-session': e.id, 'data-state': e.state },
              h('td', {}, formatTime(e.created_at)),
              h('td', {}, pick(e.title)),
              h('td', { class: 'num' }, e.score === null ? t('drills.gave_up') : String(e.score)),
              h('td', { class: 'num' }, String(e.hints_used)),
              h('td', { class: 'num' }, formatTimer(e.elapsed_s)),
              h('td', {}, h('button', { type: 'button', class: 'link-btn', 'data-action': 'open-session', onclick: () => open(e.id) }, t('drills.open'))),
            ),
          ),
        ),
      ),
    ),
  );
}
