#!/usr/bin/env node
/** `npm start` / `npm run reset`: see USAGE in cli.ts. */
import { parseArgs, USAGE } from './cli.js';
import { runLauncher } from './launcher.js';

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2));
  if (!parsed.ok) {
    process.stderr.write(`launcher: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  return runLauncher(parsed.options, process.env, {
    stdout: process.stdout,
    stdin: process.stdin,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    colourTty: Boolean(process.stdout.isTTY),
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('launcher: unexpected error:', err);
    process.exit(1);
  },
);
