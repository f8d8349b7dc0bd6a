import { createServer } from 'node:net';

/** A port one of the launched services will listen on, and the variable that moves it. */
export interface PortClaim {
  id: string;
  port: number;
  portEnv: string;
}

/** Reads a port override; undefined when the text is not a usable TCP port. */
export function parsePort(raw: string): number | undefined {
  if (!/^\d{1,5}$/.test(raw.trim())) return undefined;
  const n = Number(raw);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** Resolves for each service the port it gets (its variable or the default), with problems worded for a person. */
export function resolvePorts(
  services: readonly { id: string; port: number; portEnv: string }[],
  env: Record<string, string | undefined>,
): { claims: PortClaim[]; problems: string[] } {
  const claims: PortClaim[] = [];
  const problems: string[] = [];
  for (const s of services) {
    const raw = env[s.portEnv];
    if (raw === undefined || raw === '') {
      claims.push({ id: s.id, port: s.port, portEnv: s.portEnv });
      continue;
    }
    const port = parsePort(raw);
    if (port === undefined) problems.push(`${s.portEnv}=${JSON.stringify(raw)} is not a TCP port (1-65535); it sets the ${s.id} port.`);
    else claims.push({ id: s.id, port, portEnv: s.portEnv });
  }
  const byPort = new Map<number, PortClaim[]>();
  for (const c of claims) byPort.set(c.port, [...(byPort.get(c.port) ?? []), c]);
  for (const [port, same] of byPort) {
    if (same.length > 1) {
      problems.push(
        `Port ${port} is given to ${same.map((c) => `${c.id} (${c.portEnv})`).join(' and ')}; give each its own port.`,
      );
    }
  }
  return { claims, problems };
}

/** Whether a TCP port can be listened on at `host` right now. */
export function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export function portInUseMessage(claim: PortClaim): string {
  return (
    `Port ${claim.port} for ${claim.id} is already in use. Stop the program using it ` +
    `(see: ss -ltnp 'sport = :${claim.port}') or pick another port, e.g. ${claim.portEnv}=${suggestPort(claim.port)} npm start`
  );
}

function suggestPort(port: number): number {
  return port + 100 <= 65535 ? port + 100 : port - 100;
}

/** Checks every claim before anything starts; returns one message per busy port. */
export async function busyPorts(claims: readonly PortClaim[], host: string): Promise<string[]> {
  const results = await Promise.all(claims.map(async (c) => ((await isPortFree(c.port, host)) ? undefined : portInUseMessage(c))));
  return results.filter((m): m is string => m !== undefined);
}
