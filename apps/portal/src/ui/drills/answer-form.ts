import { LAYERS, SYMPTOMS, WHERE_ANYWHERE } from '../../drills/answer-values.js';
import type { SessionView } from '../../drills/contract.js';
import type { Answer } from '../../drills/schema.js';
import { h } from '../dom.js';
import { t, type Key } from '../i18n.js';

/** The routes an answer may name: the todo API's own (not the fault endpoints), in a stable order. */
export function answerRoutes(options: readonly string[]): string[] {
  return options.filter((r) => / \/api\//.test(r) && !r.includes('/api/faults')).sort((a, b) => a.split(' ')[1]!.localeCompare(b.split(' ')[1]!) || a.localeCompare(b));
}

function select(name: string, label: string, options: Array<[string, string]>): HTMLElement {
  return h(
    'label',
    { class: 'field' },
    h('span', {}, label),
    h('select', { name, required: true, 'data-field': name }, h('option', { value: '' }, '—'), ...options.map(([value, text]) => h('option', { value }, text))),
  );
}

/** A "HH:MM:SS" of the session's day, in the browser's time zone, as ISO 8601. */
function startedAtIso(time: string, createdAt: string): string | undefined {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!m) return undefined;
  const d = new Date(createdAt);
  d.setHours(Number(m[1]), Number(m[2]), Number(m[3] ?? 0), 0);
  // Answered after midnight about a session that started before it: the same clock time is the day before.
  if (d.getTime() > Date.now() + 60_000) d.setDate(d.getDate() - 1);
  return d.toISOString();
}

/**
 * The structured answer: symptom, where (the todo API's routes from its OpenAPI, `all`,
 * `database`), cause layer and, optionally, when it started. Built once per session, so a poll
 * never resets what the learner picked.
 */
export function answerForm(session: SessionView, onSubmit: (answer: Answer) => void): HTMLFormElement {
  const form = h(
    'form',
    { class: 'answer-form', 'data-role': 'answer-form' },
    h('h3', {}, t('drills.answer')),
    h('p', { class: 'small muted', 'data-role': 'answer-wait' }, t('drills.answer_wait')),
    h(
      'div',
      { class: 'fields' },
      select('symptom', t('drills.symptom'), SYMPTOMS.map((s) => [s, t(`symptom.${s}` as Key)])),
      select('where', t('drills.where'), [...WHERE_ANYWHERE.map((w): [string, string] => [w, t(`where.${w}` as Key)]), ...answerRoutes(session.where_options).map((r): [string, string] => [r, r])]),
      select('layer', t('drills.layer'), LAYERS.map((l) => [l, t(`layer.${l}` as Key)])),
      h(
        'label',
        { class: 'field' },
        h('span', {}, t('drills.started_at')),
        h('input', { type: 'time', step: '1', name: 'started_at', 'data-field': 'started_at' }),
        h('small', { class: 'muted' }, t('drills.started_at_hint')),
      ),
    ),
    h('p', { class: 'state error', 'data-role': 'answer-error', hidden: true }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', 'data-action': 'answer' }, t('drills.submit'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const value = (k: string) => String(data.get(k) ?? '');
    const startedAt = value('started_at') ? startedAtIso(value('started_at'), session.created_at) : undefined;
    onSubmit({
      symptom: value('symptom') as Answer['symptom'],
      where: value('where'),
      layer: value('layer') as Answer['layer'],
      ...(startedAt ? { started_at: startedAt } : {}),
    });
  });
  return form;
}
