import { writeFileSync } from 'node:fs';
import { parseStartAt, type DistributedRun, type RunRequest, type SeriesPoint } from '../contract/schemas.js';
import { GeneratorError } from '../coordinator/client.js';
import { CoordinatedRun } from '../coordinator/coordinated-run.js';
import { generatorUrls } from '../coordinator/plan.js';
import { InputError } from '../errors.js';
import { finish, UsageError, type CliIO, type Thresholds } from './outcome.js';
import { progressOutput } from './report.js';

export interface DistributedArgs {
  request: RunRequest;
  /** --generators: comma-separated base URLs. */
  generators: string;
  /** --start-at: ISO 8601 or epoch ms. */
  startAt: string | undefined;
  output: string | undefined;
  json: boolean;
  thresholds: Thresholds;
}

/** One line per generator: its share, its run and what it sent. */
export function generatorLines(run: DistributedRun): string[] {
  return [
    '  generators:',
    ...run.generators.map(
      (g) => `    ${g.segment.index + 1}/${g.segment.count} ${g.url}  ${g.state}${g.run_id ? `  run ${g.run_id}` : ''}  sent ${g.sent}  dropped ${g.dropped}${g.error ? `  (${g.error})` : ''}`,
    ),
  ];
}

/**
 * `o11y-load attack … --generators URL,URL,…`: the run split across running load generators,
 * coordinated from here (coordinator/). Progress lines and the report are the merged run's.
 */
export async function runDistributed(args: DistributedArgs, io: CliIO): Promise<number> {
  let urls: string[];
  let startAt: number | undefined;
  try {
    urls = generatorUrls(args.generators.split(','), '--generators');
    const raw = args.startAt === undefined ? undefined : /^\d+$/.test(args.startAt) ? Number(args.startAt) : args.startAt;
    startAt = parseStartAt(raw, Date.now());
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^start_at/, '--start-at'));
  }
  let run: CoordinatedRun;
  try {
    run = await CoordinatedRun.start({ generators: urls, request: args.request, token: io.env.LAB_TOKEN || undefined, ...(startAt !== undefined ? { startAt } : {}) });
  } catch (err) {
    if (err instanceof InputError) throw err;
    // A generator that refused the run (400, naming a field) or could not be reached.
    if (err instanceof GeneratorError) {
      io.err(`o11y-load: ${err.message}\n`);
      // A field the generators refuse is bad input (exit 2, like the same mistake without --generators).
      return err.field !== undefined ? 2 : 1;
    }
    throw err;
  }
  io.err(`split across ${urls.length} load generators, t = 0 at ${new Date(run.startAt).toISOString()}\n`);
  run.on('progress', ({ run: view, point }: { run: DistributedRun; point: SeriesPoint }) => io.err(progressOutput(point, view.summary.duration)));
  const release = io.onRun?.(() => void run.stop()) ?? (() => {});
  const view = await run.finished;
  release();
  if (args.output) writeFileSync(args.output, `${JSON.stringify({ ...view, points: run.points }, null, 2)}\n`);
  return finish(io, view.summary, args.json ? view : undefined, args.thresholds, generatorLines(view));
}
