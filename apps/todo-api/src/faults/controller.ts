import type { Logger } from '@o11y/telemetry';
import { FAULT_NAMES, type ActiveFaults, type FaultName, type FaultsBody, type FaultsState } from './schema.js';
import { KnownRoutes, validateFaults } from './validate.js';

type Spec = NonNullable<FaultsBody[FaultName]>;

interface Entry {
  spec: Spec;
  /** Epoch ms. */
  startsAt: number;
  expiresAt: number | undefined;
}

export const NO_FAULTS: ActiveFaults = Object.freeze(Object.fromEntries(FAULT_NAMES.map((n) => [n, null])) as ActiveFaults);

export interface FaultControllerOptions {
  logger: Logger;
  /** Clock in epoch ms (tests may pass their own). */
  now?: () => number;
}

export interface ReplaceOptions {
  /** Who changed it, for the log line ("admin token", "loopback 127.0.0.1"). */
  by: string;
  /** The request's logger when there is one, so the change line carries its trace ids. */
  log?: Pick<Logger, 'warn'>;
  /** Whether `hidden` may be used (only with an admin token configured). */
  canHide: boolean;
}

/**
 * The fault state of this process and its clock: faults may start later (start_after_s) and end
 * by themselves (ttl_s), so a client that dies never leaves a fault on. Injectors read `active`,
 * which changes in one assignment (a request sees the old or the new state), and listeners hear
 * every change: the gauges, the background hogs and the connection gate follow it.
 *
 * Hidden faults (drills) look exactly like no fault to everyone without the admin token: the
 * public view shows them as null and the log lines here never mention them.
 */
export class FaultController {
  readonly routes = new KnownRoutes();
  private entries = new Map<FaultName, Entry>();
  private effective: ActiveFaults = NO_FAULTS;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(active: ActiveFaults) => void> = [];
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(options: FaultControllerOptions) {
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  /** The faults in effect now (started, not expired), hidden ones included. */
  get active(): ActiveFaults {
    return this.effective;
  }

  /** Called after every change of `active`, including starts and expiries on the clock. */
  onChange(listener: (active: ActiveFaults) => void): void {
    this.listeners.push(listener);
  }

  /** The state as GET /api/faults shows it: without the admin view, hidden faults are null (off). */
  view(admin: boolean): FaultsState {
    const state: Record<string, unknown> = {};
    for (const name of FAULT_NAMES) {
      const e = this.entries.get(name);
      state[name] = e && (admin || !e.spec.hidden) ? describe(e) : null;
    }
    return state as FaultsState;
  }

  /** PUT semantics: the body is the whole new state; an omitted fault is off. Returns the admin view. */
  replace(body: FaultsBody, options: ReplaceOptions): FaultsState {
    const valid = validateFaults(body, { routes: this.routes, canHide: options.canHide });
    const now = this.now();
    const entries = new Map<FaultName, Entry>();
    for (const name of FAULT_NAMES) {
      const spec = valid[name];
      if (!spec) continue;
      const startsAt = now + (spec.start_after_s ?? 0) * 1000;
      entries.set(name, { spec, startsAt, expiresAt: spec.ttl_s === undefined ? undefined : startsAt + spec.ttl_s * 1000 });
    }
    this.entries = entries;
    const visible = this.view(false);
    const on = FAULT_NAMES.filter((f) => visible[f] !== null);
    (options.log ?? this.logger).warn(
      { faults: Object.fromEntries(on.map((f) => [f, visible[f]])), active: on, changed_by: options.by },
      on.length ? `faults changed: ${on.join(', ')} on` : 'faults cleared',
    );
    this.refresh(false);
    return this.view(true);
  }

  /** Stops the clock and switches everything off (the app is closing). */
  close(): void {
    this.entries.clear();
    this.refresh(false);
    clearTimeout(this.timer);
  }

  /** Applies the clock: drops expired faults, starts due ones, tells listeners, sets the next timer. */
  private refresh(logTransitions: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    const next: Record<string, Spec | null> = { ...NO_FAULTS };
    let wakeAt = Infinity;
    for (const [name, e] of this.entries) {
      if (e.expiresAt !== undefined && e.expiresAt <= now) {
        this.entries.delete(name);
        if (logTransitions && !e.spec.hidden) this.logger.info({ fault: name }, `fault expired: ${name} off`);
        continue;
      }
      if (e.startsAt <= now) {
        next[name] = e.spec;
        if (logTransitions && !e.spec.hidden && this.effective[name] !== e.spec) this.logger.warn({ fault: name }, `fault started: ${name} on`);
      }
      wakeAt = Math.min(wakeAt, e.startsAt > now ? e.startsAt : (e.expiresAt ?? Infinity));
    }
    this.effective = Object.freeze(next) as ActiveFaults;
    for (const listener of this.listeners) listener(this.effective);
    if (wakeAt !== Infinity) {
      this.timer = setTimeout(() => this.refresh(true), Math.max(0, wakeAt - now));
      this.timer.unref();
    }
  }
}

/** The faults as everyone without the admin token may see them: hidden ones are off. */
export function withoutHidden(all: ActiveFaults): ActiveFaults {
  const out: Record<string, Spec | null> = {};
  for (const name of FAULT_NAMES) out[name] = all[name]?.hidden ? null : all[name];
  return out as ActiveFaults;
}

function describe(e: Entry): Record<string, unknown> {
  return {
    ...e.spec,
    ...(e.spec.start_after_s === undefined ? {} : { starts_at: new Date(e.startsAt).toISOString() }),
    ...(e.expiresAt === undefined ? {} : { expires_at: new Date(e.expiresAt).toISOString() }),
  };
}
