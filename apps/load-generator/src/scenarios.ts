import type { AuthInput, ScenarioInfo } from './contract/schemas.js';
import type { Config } from './config.js';

/** The demo user seeded by the todo API (the Swagger example credentials). */
export const DEMO_USER = { email: 'user@example.com', password: 'verysecret' };

/** The todo API fault the high-latency scenario switches on: 600 ms on GET /api/tasks. */
export const LATENCY_FAULT = { latency: { ms: 600, method: 'GET', route: '/api/tasks' } };

/** A scenario as the server keeps it: what `GET /api/scenarios` lists, with the full run request (auth included). */
export interface Scenario extends Omit<ScenarioInfo, 'run' | 'fault'> {
  run: ScenarioInfo['run'] & { auth?: AuthInput };
  /** The fault body put to the todo API's /api/faults for the run (and deleted after it). */
  fault?: typeof LATENCY_FAULT;
}

/** One-click scenarios; URLs come from TODO_API_URL. */
export function scenarios(config: Config): Scenario[] {
  const api = config.todoApiUrl;
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

/** Puts or deletes the todo API fault (with the admin token when one is configured). */
export async function setFault(config: Config, fault: object | null): Promise<void> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (config.todoApiAdminToken) headers.authorization = `Bearer ${config.todoApiAdminToken}`;
  if (fault) headers['content-type'] = 'application/json';
  const url = `${config.todoApiUrl}/api/faults`;
  let res: Response;
  try {
    res = await fetch(url, { method: fault ? 'PUT' : 'DELETE', headers, ...(fault ? { body: JSON.stringify(fault) } : {}), signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new Error(`could not ${fault ? 'switch on' : 'clear'} the todo API fault at ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) {
    const text = (await res.text()).slice(0, 200);
    const hint = res.status === 401 || res.status === 403 ? ' (set TODO_API_ADMIN_TOKEN)' : '';
    throw new Error(`could not ${fault ? 'switch on' : 'clear'} the todo API fault at ${url}: HTTP ${res.status}${hint} ${text}`);
  }
}
