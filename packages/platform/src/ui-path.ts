/**
 * The path of a service's page that really exists on the running instance: `uiPath`, unless that
 * answers 404 and the classic UI has it. Debian's Prometheus ships without the React UI, so its
 * `/alerts` is a 404 while `/classic/alerts` works; the upstream image has it the other way round.
 */
export async function pickUiPath(
  base: string,
  uiPath: string,
  timeoutMs = 1500,
  fetch: (url: string, init: { signal: AbortSignal; redirect: 'manual' }) => Promise<Response> = globalThis.fetch,
): Promise<string> {
  if (uiPath === '/') return uiPath;
  const status = async (url: string) => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      await res.body?.cancel();
      return res.status;
    } catch {
      return 0;
    }
  };
  const root = base.replace(/\/+$/, '');
  if ((await status(root + uiPath)) !== 404) return uiPath;
  const classic = `/classic${uiPath}`;
  return (await status(root + classic)) === 200 ? classic : uiPath;
}
