import { DEMO_USER } from '@o11y/platform';
import type { RunRequest } from '../clients/load-generator.js';
import type { Localized } from '../shared/api.js';

/** The todo API fault of the high-latency scenario: 600 ms on GET /api/tasks. */
export const LATENCY_FAULT = { latency: { ms: 600, method: 'GET', route: '/api/tasks' } };

/** A one-click scenario: a plain load-generator run, and the fault the portal switches on for it. */
export interface ScenarioDefinition {
  id: string;
  title: Localized;
  description: Localized;
  /** The alert the scenario should raise; null for one that raises none (a smoke test). */
  alert: 'HighLatency' | 'HighDBLoad' | null;
  /** Seconds after the start when the alert should be firing. */
  expected_after_s: number | null;
  run: RunRequest & { target: NonNullable<RunRequest['target']> };
  /** Body of the todo API's PUT /api/faults while the run lasts (cleared after it). */
  fault?: Record<string, Record<string, unknown>>;
}

/** The scenarios on the todo API at `api` (its URL as the load generator reaches it). */
export function scenarios(api: string): ScenarioDefinition[] {
  const auth = { login_url: `${api}/api/login`, ...DEMO_USER };
  return [
    {
      id: 'high-latency',
      title: { ru: 'Высокая задержка', en: 'High latency' },
      description: {
        ru: 'Включает в todo API задержку 600 мс на GET /api/tasks и шлёт туда 100 RPS 120 с: p99 > 500 мс → алерт HighLatency',
        en: 'Switches on a 600 ms latency fault on GET /api/tasks in the todo API and sends it 100 RPS for 120 s: p99 > 500 ms → HighLatency',
      },
      alert: 'HighLatency',
      expected_after_s: 60,
      run: { target: { method: 'GET', url: `${api}/api/tasks` }, rate: 100, duration: 120, profile: 'constant', auth },
      fault: LATENCY_FAULT,
    },
    {
      id: 'high-db-load',
      title: { ru: 'Нагрузка на БД', en: 'High DB load' },
      description: {
        ru: 'Создаёт задачи: POST /api/tasks 100 RPS 120 с — больше 100 запросов к БД в секунду → алерт HighDBLoad',
        en: 'Creates tasks: POST /api/tasks at 100 RPS for 120 s — over 100 database statements per second → HighDBLoad',
      },
      alert: 'HighDBLoad',
      expected_after_s: 60,
      run: {
        target: { method: 'POST', url: `${api}/api/tasks`, headers: { 'content-type': 'application/json' }, body: { title: 'Load2', status: 'pending', description: 'Testing...' } },
        rate: 100,
        duration: 120,
        profile: 'constant',
        auth,
      },
    },
    {
      id: 'smoke',
      title: { ru: 'Проверка связи', en: 'Smoke test' },
      description: { ru: 'GET /api/ping 10 RPS 30 с: всё живо, алертов нет', en: 'GET /api/ping at 10 RPS for 30 s: everything answers, no alert' },
      alert: null,
      expected_after_s: null,
      run: { target: { method: 'GET', url: `${api}/api/ping` }, rate: 10, duration: 30, profile: 'constant' },
    },
  ];
}
