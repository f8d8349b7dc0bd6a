#!/usr/bin/env node
/**
 * Prints a lab.env with fresh random secrets: base/lab.env.sample with every CHANGE-ME value
 * replaced (Telegram settings stay empty). No dependencies: runs with a bare `node`.
 *
 *   node deploy/kubernetes/lab-env.mjs > deploy/kubernetes/base/lab.env
 *
 * The classroom generator (overlays/classroom/generate.mjs) uses the same functions for each
 * learner's tokens.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SAMPLE_FILE = fileURLToPath(new URL('./base/lab.env.sample', import.meta.url));

/** 32 random bytes, base64url: 43 characters, enough for JWT_SECRET's 32-character minimum. */
export function randomSecret() {
  return randomBytes(32).toString('base64url');
}

/** `KEY=value` lines of an env file (comments and blank lines left out), in file order. */
export function parseEnv(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** The keys the sample marks CHANGE-ME: the secrets every lab needs its own of. */
export function secretKeys(sampleText = readFileSync(SAMPLE_FILE, 'utf8')) {
  return [...parseEnv(sampleText)].filter(([, v]) => v.startsWith('CHANGE-ME')).map(([k]) => k);
}

/** Fresh values for every secret key. */
export function randomSecrets(keys = secretKeys()) {
  return Object.fromEntries(keys.map((k) => [k, randomSecret()]));
}

/** The sample's text with the given values in place of its own (comments kept). */
export function fillSample(values, sampleText = readFileSync(SAMPLE_FILE, 'utf8')) {
  return sampleText.replace(/^([A-Z][A-Z0-9_]*)=.*$/gm, (line, key) => (key in values ? `${key}=${values[key]}` : line));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(fillSample(randomSecrets()));
}
