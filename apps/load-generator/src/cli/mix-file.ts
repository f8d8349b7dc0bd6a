import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { RunRequest } from '../contract/schemas.js';

/**
 * Reads `--mix FILE`: the body of `POST /api/runs` (requests, rate, duration, profile, auth, …) as
 * JSON (.json) or YAML (anything else; YAML is a superset of JSON). Throws with the file's name
 * and the parser's line and column.
 */
export function readMixFile(path: string): RunRequest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`--mix ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(`--mix ${path}: not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new Error(`--mix ${path}: expected an object like the body of POST /api/runs ({requests: [...], rate, duration, …})`);
  }
  return data as RunRequest;
}
