// The "new run" form: the requests (one target or a mix, presets), the load (profile, preview), the
// authorization helper and the advanced settings. Everything is checked as you type with the
// server's own code; the server's 400/403/429 answers are shown next to the field they concern.
import type { PresetInfo, RunRequest } from '../../../contract/schemas.js';
import { api, ApiError } from '../api.js';
import { byId, h, tx } from '../dom.js';
import { onLang, setProfileLabels, t } from '../i18n.js';
import { AuthSection } from './auth-section.js';
import { errorBox, field, FieldErrors } from './fields.js';
import { durationError, durationValue, LoadSection } from './load-section.js';
import { MixEditor } from './mix-editor.js';

const SUGGESTED_PATHS = ['/api/ping', '/api/tasks', '/api/tasks?limit=10&offset=0', '/api/login', '/api/register', '/health/ready', '/metrics'];
const LOAD_KEYS = ['rate', 'duration', 'timeout', 'max_in_flight', 'seed'] as const;

export class RunForm {
  readonly el: HTMLFormElement;
  private readonly errors: FieldErrors;
  private readonly mix: MixEditor;
  private readonly load: LoadSection;
  private readonly auth: AuthSection;

  constructor(private readonly onStarted: (id: string) => void) {
    const form = h('form', { id: 'run-form', novalidate: true });
    this.el = form;
    this.errors = new FieldErrors(form);
    this.mix = new MixEditor(this.errors, () => this.load.renderPreviewTotal(), (p) => this.applyPreset(p));
    this.load = new LoadSection(this.errors, () => this.mix.shares(), () => this.input('seed').value.trim(), (err) => this.showApiError(err));
    this.auth = new AuthSection(this.errors, (n, v) => this.mix.setHeaderEverywhere(n, v), () => this.updateSuggestions());
    form.append(
      this.mix.el,
      h('datalist', { id: 'url-suggestions' }),
      this.load.el,
      this.auth.el,
      h(
        'details',
        { id: 'advanced' },
        h('summary', {}, tx('advanced')),
        h(
          'div',
          { class: 'details-body row wrap' },
          field('timeout', 'timeout', h('input', { id: 'timeout', type: 'text', value: '30s', autocomplete: 'off' })),
          field('max_in_flight', 'maxInFlight', h('input', { id: 'max_in_flight', type: 'number', min: '1', step: '1', value: '10000', inputmode: 'numeric' })),
          field('seed', 'seed', h('input', { id: 'seed', type: 'number', step: '1', inputmode: 'numeric' }), 'seedHint'),
        ),
      ),
      h('div', { class: 'submit-row' }, h('button', { type: 'submit', id: 'start', class: 'primary' }, tx('start')), errorBox('form')),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.submit();
    });
    for (const id of ['timeout', 'max_in_flight', 'seed']) this.input(id).addEventListener('input', () => this.validateAdvanced());
    this.input('seed').addEventListener('input', () => this.load.schedulePreview());
    onLang(() => {
      this.load.renderProfileSelect();
      this.mix.renderPresets();
      this.refreshErrors();
      this.load.renderPreviewTotal();
    });
  }

  private input(id: string): HTMLInputElement {
    return this.el.querySelector(`#${id}`) as HTMLInputElement;
  }

  /** Loads the todo API's address, the presets and the profiles, then fills the defaults. */
  async init(): Promise<void> {
    let base = 'http://127.0.0.1:4000';
    try {
      const cfg = await api.uiConfig();
      if (cfg.todo_api_url) base = cfg.todo_api_url.replace(/\/+$/, '');
    } catch {
      /* not exposed: fall back below */
    }
    let presets: PresetInfo[] = [];
    try {
      presets = await api.presets();
    } catch {
      /* no presets: the mix editor works without them */
    }
    if (base === 'http://127.0.0.1:4000') {
      // The presets target the configured todo API; use its origin.
      const login = presets[0]?.run.auth?.login_url;
      if (login) base = new URL(login).origin;
    }
    this.auth.input('login-url').value = `${base}/api/login`;
    this.mix.init(`${base}/api/ping`, presets);
    this.updateSuggestions();
    try {
      await this.load.loadProfiles();
      setProfileLabels(this.load.profiles);
    } catch (err) {
      this.errors.set('profile', t('err_generic', { msg: (err as Error).message }));
    }
    this.load.renderProfileSelect();
    this.load.renderProfileDetails();
    this.load.schedulePreview(0);
  }

  private updateSuggestions(): void {
    let origin = 'http://127.0.0.1:4000';
    try {
      origin = new URL(this.auth.input('login-url').value).origin;
    } catch {
      /* keep the default */
    }
    const list = this.el.querySelector('#url-suggestions') ?? byId('url-suggestions');
    list.replaceChildren(...SUGGESTED_PATHS.map((p) => h('option', { value: origin + p })));
  }

  /** A preset's load and login go with its requests (the mix editor loaded those). */
  private applyPreset(p: PresetInfo): void {
    this.load.set({ rate: p.run.rate, duration: p.run.duration, profile: p.run.profile });
    if (p.run.auth) this.auth.set(p.run.auth);
  }

  /** Re-runs the checks so messages follow a language switch. */
  private refreshErrors(): void {
    if (this.errors.keys().length === 0) return;
    this.mix.validate();
    if (this.errors.any(['rate', 'duration'])) this.load.validate();
    if (this.errors.any(['timeout', 'max_in_flight', 'seed'])) this.validateAdvanced();
  }

  private validateAdvanced(): boolean {
    this.errors.set('timeout', durationError(this.input('timeout').value, 'timeout', true));
    const mif = this.input('max_in_flight').value.trim();
    this.errors.set('max_in_flight', !mif || (Number.isInteger(Number(mif)) && Number(mif) > 0) ? undefined : t('err_integer'));
    const seed = this.input('seed').value.trim();
    this.errors.set('seed', !seed || Number.isInteger(Number(seed)) ? undefined : t('err_integer'));
    return !this.errors.any(['timeout', 'max_in_flight', 'seed']);
  }

  showApiError(err: ApiError): void {
    let msg: string;
    if (err.status === 0) msg = t('err_network', { msg: err.message });
    else if (err.status === 403) msg = t('err_forbidden', { msg: err.message });
    else if (err.status === 429) msg = t('err_tooMany', { msg: err.message });
    else msg = err.message;
    if (err.status === 429 || err.status === 0) return this.errors.set('form', msg);
    const field = (err.field ?? '').replace(/^\/?body[./]?/, '').replace(/^\//, '').replace(/\//g, '.');
    if (this.mix.showError(err.status === 403 && !field ? 'target.url' : field, msg)) return;
    const key = field.startsWith('profile') ? 'profile' : field.startsWith('auth') ? 'auth' : LOAD_KEYS.find((k) => field.startsWith(k));
    if (key === 'auth' || key === 'timeout' || key === 'max_in_flight' || key === 'seed') {
      const details = this.el.querySelector<HTMLDetailsElement>(key === 'auth' ? '#auth-details' : '#advanced');
      if (details) details.open = true;
    }
    this.errors.set(key ?? 'form', msg);
  }

  buildRequest(): RunRequest | null {
    const ok = [this.mix.validate(), this.load.validate(), this.validateAdvanced()].every(Boolean);
    if (!ok) return null;
    const req: RunRequest = { ...this.mix.value(), ...this.load.value() };
    const timeout = this.input('timeout').value.trim();
    if (timeout) req.timeout = durationValue(timeout);
    const mif = this.input('max_in_flight').value.trim();
    if (mif) req.max_in_flight = Number(mif);
    const seed = this.input('seed').value.trim();
    if (seed) req.seed = Number(seed);
    const auth = this.auth.value();
    if (auth) req.auth = auth;
    return req;
  }

  private async submit(): Promise<void> {
    this.errors.set('form', undefined);
    const req = this.buildRequest();
    if (!req) {
      this.errors.set('form', t('err_fixFields'));
      this.el.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    const btn = this.el.querySelector('#start') as HTMLButtonElement;
    btn.disabled = true;
    try {
      const { id } = await api.startRun(req);
      this.onStarted(id);
    } catch (err) {
      this.showApiError(err as ApiError);
    } finally {
      btn.disabled = false;
    }
  }
}
