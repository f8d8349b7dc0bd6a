/**
 * The page's hook for distributed runs (one run split across every load generator the portal
 * finds): how many generators there are, a start form for the todo user journey, and the recent
 * runs with their merged results and a Stop button. Its own polling and words, apart from the
 * rest of the page; main.ts mounts it and re-renders it when the language changes.
 */
import type { DistributedRun } from '@o11y/load-generator/coordinator';
import { api, ApiError, every } from './api.js';
import { fill, h } from './dom.js';
import { formatTime, pick } from './i18n.js';

const EVERY_MS = 2000;
const SHOWN = 5;

const TEXT = {
  title: { en: 'One run, many load generators', ru: 'Один прогон — много генераторов нагрузки' },
  lead: {
    en: 'Splits a run across every load generator the portal finds (LOADGEN_DISCOVERY; in Kubernetes every replica of the load generator). Each sends its share of one arrival sequence from a common start; the results are merged exactly.',
    ru: 'Делит прогон между всеми генераторами нагрузки, которые находит портал (LOADGEN_DISCOVERY; в Kubernetes — все реплики генератора). Каждый отправляет свою долю одной последовательности запросов с общего старта; результаты объединяются точно.',
  },
  generators: { en: 'Load generators: {n}', ru: 'Генераторов нагрузки: {n}' },
  journey: { en: 'Todo user journey', ru: 'Сценарий пользователя todo' },
  rate: { en: 'Rate, rps', ru: 'Интенсивность, запр./с' },
  duration: { en: 'Duration', ru: 'Длительность' },
  start: { en: 'Start', ru: 'Запустить' },
  stop: { en: 'Stop', ru: 'Остановить' },
  none: { en: 'No distributed runs yet.', ru: 'Распределённых прогонов пока нет.' },
  results: { en: 'sent {sent} · {rps} rps · p99 {p99} ms · {n} generators', ru: 'отправлено {sent} · {rps} запр./с · p99 {p99} мс · генераторов: {n}' },
} as const;

const STATES: Record<string, { en: string; ru: string }> = {
  running: { en: 'running', ru: 'идёт' },
  finished: { en: 'finished', ru: 'завершён' },
  stopped: { en: 'stopped', ru: 'остановлен' },
  failed: { en: 'failed', ru: 'сбой' },
};

function say(key: keyof typeof TEXT, vars: Record<string, string | number> = {}): string {
  return pick(TEXT[key]).replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
}

const state = {
  generators: null as number | null,
  runs: [] as DistributedRun[],
  error: null as string | null,
  busy: false,
};
let root: HTMLElement | null = null;

async function refresh(): Promise<void> {
  try {
    state.runs = await api<DistributedRun[]>('api/distributed-runs');
    state.generators = (await api<{ generators: string[] }>('api/load-generators')).generators.length;
  } catch (err) {
    // 401 is the page's sign-in prompt; anything else is said here.
    if (!(err instanceof ApiError && err.status === 401)) state.error = (err as Error).message;
  }
  render();
}

async function act(path: string, body?: unknown): Promise<void> {
  state.busy = true;
  state.error = null;
  render();
  try {
    await api(path, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, 15_000);
  } catch (err) {
    state.error = (err as Error).message;
  } finally {
    state.busy = false;
  }
  await refresh();
}

function runRow(run: DistributedRun): HTMLElement {
  const s = run.summary;
  return h(
    'li',
    { class: 'distributed-run', 'data-run': run.id, 'data-state': run.state },
    h('strong', {}, pick(STATES[run.state] ?? { en: run.state, ru: run.state })),
    ' ',
    h('span', { class: 'muted' }, formatTime(run.start_at)),
    ' · ',
    h('span', { 'data-role': 'results' }, say('results', { sent: s.sent, rps: s.achieved_rps, p99: s.latency.p99, n: run.generators.length })),
    run.state === 'running' ? h('button', { type: 'button', class: 'btn', 'data-role': 'stop', disabled: state.busy, onclick: () => void act(`api/distributed-runs/${encodeURIComponent(run.id)}/stop`) }, say('stop')) : null,
    run.error ? h('p', { class: 'small warn', 'data-role': 'error' }, run.error) : null,
  );
}

function render(): void {
  if (!root) return;
  const rate = h('input', { type: 'number', name: 'rate', min: 1, value: 20, required: true });
  const duration = h('input', { type: 'text', name: 'duration', value: '60s', required: true });
  const form = h(
    'form',
    {
      class: 'distributed-form',
      'data-role': 'start',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void act('api/distributed-runs', { preset: 'todo-journey', rate: Number(rate.value), duration: duration.value });
      },
    },
    h('span', {}, say('journey')),
    h('label', {}, say('rate'), ' ', rate),
    h('label', {}, say('duration'), ' ', duration),
    h('button', { type: 'submit', class: 'btn', disabled: state.busy || !state.generators }, say('start')),
  );
  const runs = state.runs.slice(0, SHOWN);
  fill(
    root,
    h('h2', {}, say('title')),
    h('p', { class: 'lead' }, say('lead')),
    h('p', { class: 'small', 'data-role': 'generators' }, say('generators', { n: state.generators ?? '…' })),
    form,
    state.error ? h('p', { class: 'state warn', 'data-role': 'error' }, state.error) : null,
    runs.length ? h('ul', { class: 'distributed-runs' }, ...runs.map(runRow)) : h('p', { class: 'state' }, say('none')),
  );
}

/** Mounts the section and starts polling. */
export function startDistributed(el: HTMLElement): void {
  root = el;
  render();
  every(EVERY_MS, refresh);
}

/** Re-renders (the language changed). */
export function renderDistributed(): void {
  render();
}
