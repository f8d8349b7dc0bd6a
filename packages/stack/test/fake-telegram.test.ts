import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlProblem, startFakeTelegram, type FakeTelegram } from '../../../test/helpers/fake-telegram.ts';

describe('the fake Telegram Bot API used by the end-to-end test', () => {
  let tg: FakeTelegram;
  beforeAll(async () => {
    tg = await startFakeTelegram({ token: '42:abc', chatId: '-100123' });
  });
  afterAll(() => tg.close());

  const send = (token: string, body: Record<string, string>) =>
    fetch(`${tg.url}/bot${token}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('accepts a message like the real API (chat_id as a string) and answers ok', async () => {
    const res = await send('42:abc', { chat_id: '-100123', parse_mode: 'HTML', text: '<b>FIRING</b> &lt;x&gt; <a href="http://a/?b=1&amp;c=2">link</a>' });
    const body = (await res.json()) as { ok: boolean; result: { message_id: number; chat: { id: number } } };
    expect(res.status).toBe(200);
    expect(body.ok).toBe(true);
    expect(body.result.chat.id).toBe(-100123);
    await expect(tg.waitFor((m) => m.text.startsWith('<b>FIRING'), 1000)).resolves.toMatchObject({ chat_id: '-100123' });
  });

  it('refuses a wrong token, an unknown chat and HTML Telegram could not parse', async () => {
    expect((await send('1:wrong', { chat_id: '-100123', text: 'x' })).status).toBe(401);
    expect((await send('42:abc', { chat_id: '7', text: 'x' })).status).toBe(400);
    const bad = await send('42:abc', { chat_id: '-100123', parse_mode: 'HTML', text: 'p99 < 500 ms' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { description: string }).description).toMatch(/can't parse entities/i);
  });

  it('htmlProblem follows Telegram\'s HTML subset', () => {
    expect(htmlProblem('<b>a</b> <code>x</code> &#39; &quot;')).toBeNull();
    expect(htmlProblem('<b>a')).toMatch(/end tag/);
    expect(htmlProblem('<div>a</div>')).toMatch(/unsupported start tag/);
    expect(htmlProblem('a & b')).toMatch(/entity/);
  });
});
