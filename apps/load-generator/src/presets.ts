import { DEMO_USER } from '@o11y/platform';
import type { PresetInfo, RunRequest } from './contract/schemas.js';
import type { Config } from './config.js';
import { InputError } from './errors.js';

/** The id of the built-in journey mix: the background traffic of incident drills. */
export const TODO_JOURNEY = 'todo-journey';

/**
 * Built-in traffic mixes on the configured todo API (TODO_API_URL), as `GET /api/presets` lists
 * them: complete run requests, with the demo user's login (its credentials are the public Swagger
 * example). "Todo user journey": list tasks, create one (capturing its id), finish one (PUT is a
 * partial update in the todo API), delete one.
 */
export function presets(config: Config): PresetInfo[] {
  const api = config.todoApiUrl;
  return [
    {
      id: TODO_JOURNEY,
      title: { ru: 'Путь пользователя Todo', en: 'Todo user journey' },
      description: {
        ru: 'Смесь запросов одного пользователя: 60 % — список задач, 25 % — создание (id запоминается), 10 % — завершение созданной задачи, 5 % — удаление',
        en: 'One user’s mix: 60 % list tasks, 25 % create one (its id is captured), 10 % finish a created task, 5 % delete one',
      },
      run: {
        requests: [
          { name: 'list', weight: 60, method: 'GET', url: `${api}/api/tasks?limit=10` },
          { name: 'create', weight: 25, method: 'POST', url: `${api}/api/tasks`, body: { title: 'task {{seq}}', status: 'pending' }, capture: { task_id: 'id' } },
          { name: 'finish', weight: 10, method: 'PUT', url: `${api}/api/tasks/{{task_id}}`, body: { status: 'done' } },
          { name: 'delete', weight: 5, method: 'DELETE', url: `${api}/api/tasks/{{take task_id}}` },
        ],
        rate: 100,
        duration: '2m',
        profile: 'wave',
        auth: { login_url: `${api}/api/login`, ...DEMO_USER },
      },
    },
  ];
}

/**
 * A run request with `preset` becomes the preset's run with the request's other fields on top
 * (rate, duration, profile, seed, auth, …). A preset brings its own requests, so it cannot be
 * combined with `target` or `requests`.
 */
export function resolvePreset(req: RunRequest, list: readonly PresetInfo[]): RunRequest {
  if (req === null || typeof req !== 'object' || req.preset === undefined || req.preset === null) return req;
  const preset = list.find((p) => p.id === req.preset);
  if (!preset) throw new InputError('preset', `unknown preset ${JSON.stringify(req.preset)} (known: ${list.map((p) => p.id).join(', ')})`);
  if (req.target !== undefined || req.requests !== undefined) throw new InputError('preset', 'preset brings its own requests: leave out target and requests');
  const { preset: _id, ...overrides } = req;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined && v !== null));
  return { ...preset.run, ...defined };
}
