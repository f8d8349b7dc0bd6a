/**
 * A local stand-in for the Telegram Bot API (https://core.telegram.org/bots/api), speaking its HTTP
 * shape: `POST /bot<token>/sendMessage` with a JSON or form body, answered with
 * `{"ok":true,"result":Message}` or `{"ok":false,"error_code":…,"description":…}`. Like the real
 * API it rejects a wrong token (401), an unknown chat or empty text (400), and HTML that Telegram
 * could not parse (400 "can't parse entities"), so a template that breaks real delivery fails here.
 * Alertmanager 0.25 sends chat_id and disable_web_page_preview as strings.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface TelegramMessage {
  message_id: number;
  chat_id: string;
  text: string;
  parse_mode: string | undefined;
  received_at: number;
  body: Record<string, unknown>;
}

export interface FakeTelegram {
  /** Base URL to use as Alertmanager's telegram `api_url`. */
  url: string;
  token: string;
  chatId: string;
  /** Accepted messages, oldest first. */
  messages: TelegramMessage[];
  /** Requests refused (wrong token, bad HTML, …), for diagnostics. */
  rejected: { path: string; status: number; description: string }[];
  /** Resolves with the first message (already received or future) matching, or rejects after the timeout. */
  waitFor(predicate: (m: TelegramMessage) => boolean, timeoutMs: number): Promise<TelegramMessage>;
  close(): Promise<void>;
}

/** Tags Telegram accepts with parse_mode HTML. */
const ALLOWED_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'span', 'tg-spoiler', 'tg-emoji', 'blockquote']);

/** Returns why Telegram would refuse this HTML text, or null when it would accept it. */
export function htmlProblem(text: string): string | null {
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z-]*)([^<>]*)>|<|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);?|&/g;
  for (const m of text.matchAll(re)) {
    const token = m[0];
    if (token.startsWith('&')) {
      if (!/^&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);$/.test(token)) return `Can't parse entities: unsupported entity "${token}" at byte offset ${m.index}`;
      continue;
    }
    if (token === '<') return `Can't parse entities: unexpected "<" at byte offset ${m.index}`;
    const [, closing, name = '', attrs = ''] = m;
    const tag = name.toLowerCase();
    if (!ALLOWED_TAGS.has(tag)) return `Can't parse entities: unsupported start tag "${tag}" at byte offset ${m.index}`;
    if (closing) {
      if (stack.pop() !== tag) return `Can't parse entities: can't find end tag corresponding to start tag "${tag}"`;
    } else {
      if (tag === 'a' && !/^\s+href="[^"]*"\s*$/.test(attrs)) return `Can't parse entities: bad <a> attributes at byte offset ${m.index}`;
      stack.push(tag);
    }
  }
  if (stack.length > 0) return `Can't parse entities: can't find end tag corresponding to start tag "${stack[stack.length - 1]}"`;
  return null;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw = '';
  for await (const chunk of req) raw += (chunk as Buffer).toString();
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(raw));
}

export async function startFakeTelegram(options: { token?: string; chatId?: string } = {}): Promise<FakeTelegram> {
  const token = options.token ?? '123456:FAKE-telegram_token';
  const chatId = options.chatId ?? '-1001234567890';
  const messages: TelegramMessage[] = [];
  const rejected: FakeTelegram['rejected'] = [];
  const waiters = new Set<() => void>();
  let nextId = 1;

  const answer = (res: ServerResponse, path: string, status: number, body: Record<string, unknown>) => {
    if (status !== 200) rejected.push({ path, status, description: String(body.description) });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, path: string, status: number, description: string) =>
    answer(res, path, status, { ok: false, error_code: status, description });

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(path);
    if (!m) return fail(res, path, 404, 'Not Found');
    if (m[1] !== token) return fail(res, path, 401, 'Unauthorized');
    const method = m[2];
    if (method === 'getMe') {
      return answer(res, path, 200, { ok: true, result: { id: Number(token.split(':')[0]), is_bot: true, first_name: 'o11y test bot', username: 'o11y_test_bot' } });
    }
    if (method !== 'sendMessage') return fail(res, path, 404, 'Not Found: method not found');
    if (req.method !== 'POST' && req.method !== 'GET') return fail(res, path, 405, 'Method Not Allowed');
    readBody(req).then(
      (body) => {
        const chat = String(body.chat_id ?? '');
        const text = String(body.text ?? '');
        const parseMode = body.parse_mode === undefined ? undefined : String(body.parse_mode);
        if (chat !== chatId) return fail(res, path, 400, 'Bad Request: chat not found');
        if (text.trim() === '') return fail(res, path, 400, 'Bad Request: message text is empty');
        if (text.length > 4096) return fail(res, path, 400, 'Bad Request: message is too long');
        if (parseMode?.toUpperCase() === 'HTML') {
          const problem = htmlProblem(text);
          if (problem) return fail(res, path, 400, `Bad Request: ${problem}`);
        }
        const message: TelegramMessage = { message_id: nextId++, chat_id: chat, text, parse_mode: parseMode, received_at: Date.now(), body };
        messages.push(message);
        waiters.forEach((w) => w());
        answer(res, path, 200, {
          ok: true,
          result: { message_id: message.message_id, date: Math.floor(message.received_at / 1000), chat: { id: Number(chat), type: 'supergroup', title: 'o11y test' }, text },
        });
      },
      () => fail(res, path, 400, 'Bad Request: invalid body'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    chatId,
    messages,
    rejected,
    waitFor(predicate, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (found) {
            cleanup();
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching Telegram message within ${timeoutMs} ms (${messages.length} received, ${rejected.length} rejected)`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
