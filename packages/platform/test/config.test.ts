import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@o11y/platform';

const Schema = Type.Object({
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 4000 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  POOL_SIZE: Type.Integer({ minimum: 1, default: 10 }),
});

describe('loadConfig', () => {
  it('applies defaults and converts numbers', () => {
    expect(loadConfig(Schema, { PORT: '5000' })).toEqual({ PORT: 5000, HOST: '0.0.0.0', POOL_SIZE: 10 });
  });
  it('reports every bad variable by name', () => {
    try {
      loadConfig(Schema, { PORT: 'abc', POOL_SIZE: '0' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/PORT/);
      expect(msg).toMatch(/POOL_SIZE/);
      expect(msg).toContain('"abc"');
    }
  });
});
