import { readFileSync } from 'node:fs';

/** This package's version (src/ and dist/ both sit one level below package.json). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
export const USER_AGENT = `o11y-loadgen/${VERSION}`;
