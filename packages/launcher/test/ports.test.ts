import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceById } from '@o11y/platform';
import { busyPorts, isPortFree, parsePort, portInUseMessage, resolvePorts } from '@o11y/launcher';
import { freePort } from '../../../test/helpers/ports.ts';

const apps = ['todo-api', 'load-generator', 'portal'].map((id) => serviceById(id));

describe('resolvePorts', () => {
  it('uses the defaults from SERVICES and the override variables', () => {
    expect(resolvePorts(apps, {}).claims).toEqual(apps.map((s) => ({ id: s.id, port: s.port, portEnv: s.portEnv })));
    const { claims, problems } = resolvePorts(apps, { TODO_API_PORT: '4100' });
    expect(problems).toEqual([]);
    expect(claims.find((c) => c.id === 'todo-api')?.port).toBe(4100);
  });

  it('names the variable of a bad value and of two services on one port', () => {
    expect(resolvePorts(apps, { LOADGEN_PORT: 'eighty' }).problems).toEqual([expect.stringContaining('LOADGEN_PORT="eighty"')]);
    expect(resolvePorts(apps, { LOADGEN_PORT: '70000' }).problems[0]).toContain('LOADGEN_PORT');
    const dup = resolvePorts(apps, { PORTAL_PORT: '4000' }).problems;
    expect(dup).toHaveLength(1);
    expect(dup[0]).toContain('todo-api (TODO_API_PORT)');
    expect(dup[0]).toContain('portal (PORTAL_PORT)');
  });

  it('parsePort accepts 1-65535 only', () => {
    expect(parsePort('80')).toBe(80);
    expect(parsePort(' 8000 ')).toBe(8000);
    for (const bad of ['0', '65536', '-1', '1e3', '', 'x']) expect(parsePort(bad)).toBeUndefined();
  });
});

describe('busy ports', () => {
  let server: Server | undefined;
  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('finds a port someone listens on and names the variable that moves it', async () => {
    const taken = await freePort();
    server = createServer();
    await new Promise<void>((r) => server?.listen(taken, '127.0.0.1', () => r()));
    const free = await freePort();
    expect(await isPortFree(taken, '127.0.0.1')).toBe(false);
    expect(await isPortFree(free, '127.0.0.1')).toBe(true);
    const messages = await busyPorts(
      [
        { id: 'todo-api', port: taken, portEnv: 'TODO_API_PORT' },
        { id: 'portal', port: free, portEnv: 'PORTAL_PORT' },
      ],
      '127.0.0.1',
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(`Port ${taken} for todo-api is already in use`);
    expect(messages[0]).toMatch(/TODO_API_PORT=\d+ npm start/);
  });

  it('suggests a valid port near the top of the range', () => {
    expect(portInUseMessage({ id: 'x', port: 65500, portEnv: 'X_PORT' })).toContain('X_PORT=65400');
  });
});
