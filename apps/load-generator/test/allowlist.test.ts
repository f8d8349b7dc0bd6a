import { describe, expect, it } from 'vitest';
import { defaultAllowlist, readConfig } from '../src/config.js';
import { checkAllowed, parseAllowlist } from '../src/engine/target.js';
import type { InputError } from '../src/errors.js';

const allowed = (url: string, list: string[]) => {
  try {
    checkAllowed(new URL(url), list, 'target.url');
    return true;
  } catch (e) {
    expect((e as InputError).statusCode).toBe(403);
    expect((e as Error).message).toContain('TARGET_ALLOWLIST');
    return false;
  }
};

describe('TARGET_ALLOWLIST: host or host:port', () => {
  it('a bare host allows every port of it; host:port that port only', () => {
    expect(allowed('http://127.0.0.1:4000/api/tasks', ['127.0.0.1:4000'])).toBe(true);
    expect(allowed('http://127.0.0.1:8081/api/runs', ['127.0.0.1:4000'])).toBe(false);
    expect(allowed('http://127.0.0.1:8081/api/runs', ['127.0.0.1'])).toBe(true);
    expect(allowed('http://[::1]:4000/', ['[::1]:4000'])).toBe(true);
    expect(allowed('http://[::1]:4001/', ['[::1]:4000'])).toBe(false);
    expect(allowed('http://[::1]:4001/', ['::1'])).toBe(true);
    // No port in the URL: 80 for http, 443 for https.
    expect(allowed('http://todo.example/', ['todo.example:80'])).toBe(true);
    expect(allowed('https://todo.example/', ['todo.example:80'])).toBe(false);
    expect(allowed('https://TODO.example./', ['todo.example:443'])).toBe(true);
    expect(allowed('http://anything.example:1234/', ['*'])).toBe(true);
  });

  it('defaults to the todo API on its port, never every port of loopback', () => {
    const list = defaultAllowlist('http://127.0.0.1:4000');
    expect(list).toEqual(['localhost:4000', '127.0.0.1:4000', '[::1]:4000', 'todo-api:4000', 'todo-api-cluster:4000']);
    expect(defaultAllowlist('http://10.0.0.7:4100', { TODO_API_PORT: '4100' })).toEqual([
      'localhost:4100',
      '127.0.0.1:4100',
      '[::1]:4100',
      'todo-api:4000',
      'todo-api-cluster:4000',
      '10.0.0.7:4100',
    ]);
    const config = readConfig({});
    expect(allowed('http://127.0.0.1:4000/api/faults', config.allowlist)).toBe(true);
    for (const port of [8081, 8000, 9090, 9093]) expect(allowed(`http://127.0.0.1:${port}/`, config.allowlist)).toBe(false);
  });

  it('reads the variable once and names a bad entry', () => {
    expect(readConfig({ TARGET_ALLOWLIST: 'todo-api:4000, localhost' }).allowlist).toEqual(['todo-api:4000', 'localhost']);
    expect(() => readConfig({ TARGET_ALLOWLIST: 'todo-api:99999,ok' })).toThrow(/TARGET_ALLOWLIST: "todo-api:99999" is not a host or host:port/);
    expect(parseAllowlist('a, ,b:1')).toEqual(['a', 'b:1']);
  });
});

describe('listening', () => {
  it('on loopback by default; beyond it only with LAB_TOKEN', () => {
    expect(readConfig({}).host).toBe('127.0.0.1');
    expect(() => readConfig({ HOST: '0.0.0.0' })).toThrow(/LAB_TOKEN: required because HOST=0\.0\.0\.0/);
    expect(readConfig({ HOST: '0.0.0.0', LAB_TOKEN: 'a-long-enough-lab-token' }).access.labToken).toBe('a-long-enough-lab-token');
    expect(() => readConfig({ LAB_TOKEN: 'short' })).toThrow(/LAB_TOKEN: must be at least 16 characters/);
  });
});
