// Authorization: log in through the server ("Get token" sets the Authorization header of every
// request) or let the run log in itself (auth in the run request, again once on a 401).
import type { AuthInput } from '../../../contract/schemas.js';
import { api, type ApiError } from '../api.js';
import { h, tx } from '../dom.js';
import { t } from '../i18n.js';
import { field, type FieldErrors } from './fields.js';

export class AuthSection {
  readonly el: HTMLDetailsElement;

  constructor(
    private readonly errors: FieldErrors,
    private readonly setHeader: (name: string, value: string) => void,
    onLoginUrl: () => void,
  ) {
    this.el = h(
      'details',
      { id: 'auth-details' },
      h('summary', {}, tx('auth')),
      h(
        'div',
        { class: 'details-body' },
        field('auth', 'loginUrl', h('input', { id: 'login-url', type: 'url', autocomplete: 'off', spellcheck: 'false' })),
        h(
          'div',
          { class: 'row' },
          h('div', { class: 'field' }, h('label', { for: 'email' }, tx('email')), h('input', { id: 'email', type: 'email', value: 'user@example.com', autocomplete: 'username' })),
          h('div', { class: 'field' }, h('label', { for: 'password' }, tx('password')), h('input', { id: 'password', type: 'password', value: 'verysecret', autocomplete: 'current-password' })),
        ),
        h('div', { class: 'row actions' }, h('button', { type: 'button', id: 'get-token', onclick: () => void this.getToken() }, tx('getToken')), h('span', { id: 'token-status', class: 'ok-text', role: 'status' })),
        h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'auto-login' }), ' ', tx('autoLogin')),
      ),
    );
    this.input('login-url').addEventListener('input', onLoginUrl);
  }

  input(id: string): HTMLInputElement {
    return this.el.querySelector(`#${id}`) as HTMLInputElement;
  }

  /** The run request's auth when "log in automatically" is on. */
  value(): AuthInput | undefined {
    if (!this.input('auto-login').checked) return undefined;
    return { login_url: this.input('login-url').value.trim(), email: this.input('email').value, password: this.input('password').value };
  }

  /** Fills the fields (a preset) and switches the automatic login on. */
  set(auth: AuthInput): void {
    this.input('login-url').value = auth.login_url;
    this.input('email').value = auth.email;
    this.input('password').value = auth.password;
    this.input('auto-login').checked = true;
    this.el.open = true;
  }

  private async getToken(): Promise<void> {
    const status = this.el.querySelector('#token-status') as HTMLElement;
    status.textContent = '';
    this.errors.set('auth', undefined);
    const loginUrl = this.input('login-url').value.trim();
    try {
      new URL(loginUrl);
    } catch {
      this.errors.set('auth', t('err_url'));
      return;
    }
    const btn = this.el.querySelector('#get-token') as HTMLButtonElement;
    btn.disabled = true;
    try {
      const { token } = await api.token({ login_url: loginUrl, email: this.input('email').value, password: this.input('password').value });
      this.setHeader('Authorization', `Bearer ${token}`);
      status.textContent = t('tokenSet');
    } catch (err) {
      const e = err as ApiError;
      this.errors.set('auth', e.status === 0 ? t('err_network', { msg: e.message }) : t('err_generic', { msg: e.message }));
    } finally {
      btn.disabled = false;
    }
  }
}
