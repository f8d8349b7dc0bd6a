import type { DrillInfo } from '../../drills/schema.js';
import { h } from '../dom.js';
import { pick, t, type Key } from '../i18n.js';

/** The catalogue's cards, "surprise me" first; `start` makes each card's button. */
export function catalogueCards(catalogue: readonly DrillInfo[], start: (drill: string, label: string, primary: boolean) => HTMLElement): HTMLElement {
  const surprise = h(
    'article',
    { class: 'card drill surprise', 'data-drill': 'random' },
    h('h3', {}, t('drills.surprise')),
    h('p', { class: 'muted' }, t('drills.surprise_hint')),
    h('div', { class: 'actions' }, start('random', t('drills.surprise'), true)),
  );
  const cards = catalogue.map((d) =>
    h(
      'article',
      { class: 'card drill', 'data-drill': d.id },
      h('div', { class: 'drill-head' }, h('h3', {}, pick(d.title)), h('span', { class: 'badge difficulty', 'data-difficulty': d.difficulty }, t(`drills.difficulty.${d.difficulty}` as Key))),
      h('p', { class: 'muted' }, pick(d.description)),
      h('div', { class: 'actions' }, start(d.id, t('drills.start'), false)),
    ),
  );
  return h('div', { class: 'drill-list' }, surprise, ...cards);
}

/** The start options: a seed to replay, a shorter delay before the fault (empty: the defaults). */
export function startOptions(values: { seed: string; fault_after_s: string }): HTMLElement {
  const input = (name: 'seed' | 'fault_after_s', max?: number) =>
    h('input', { type: 'number', name, min: 0, ...(max === undefined ? {} : { max }), step: 1, inputmode: 'numeric', value: values[name] });
  return h(
    'details',
    { class: 'drill-options' },
    h('summary', {}, t('drills.options')),
    h(
      'div',
      { class: 'fields' },
      h('label', { class: 'field' }, h('span', {}, t('drills.option.seed')), input('seed')),
      h('label', { class: 'field' }, h('span', {}, t('drills.option.fault_after')), input('fault_after_s', 120)),
    ),
  );
}
