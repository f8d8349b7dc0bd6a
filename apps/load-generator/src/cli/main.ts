#!/usr/bin/env node
import { runCli } from './attack.js';

const code = await runCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  readStdin: async () => {
    let text = '';
    for await (const chunk of process.stdin) text += (chunk as Buffer).toString('utf8');
    return text;
  },
  onRun: (stop) => {
    const onSigint = () => {
      process.stderr.write('stopping…\n');
      stop();
    };
    process.on('SIGINT', onSigint);
    return () => process.off('SIGINT', onSigint);
  },
});
process.exitCode = code;
