import { RequestError } from './errors.js';

/**
 * The lab runs drill sessions or scenario runs, never both: both switch the todo API's faults
 * (a PUT replaces the whole fault state) and add traffic the other would read as its own. One
 * drill session at a time; scenario runs may overlap each other (their faults are the same kind
 * of demonstration, cleared when the last one ends).
 */
export class ExerciseLock {
  private drill: string | null = null;
  private readonly scenarioRuns = new Set<symbol>();

  /** Claims the lab for a drill session; 409 while another session or a scenario runs. */
  claimDrill(id: string): void {
    if (this.drill) throw new RequestError(409, `A drill session is running (${this.drill}): answer or abort it first (DELETE /api/drills/sessions/${this.drill})`);
    if (this.scenarioRuns.size > 0) throw new RequestError(409, 'A scenario is running: start the drill when it has ended (its run stops at its duration, or stop it in the load generator)');
    this.drill = id;
  }

  releaseDrill(id: string): void {
    if (this.drill === id) this.drill = null;
  }

  /** Claims the lab for one scenario run; 409 while a drill session runs. Returns its release. */
  claimScenario(): () => void {
    if (this.drill) throw new RequestError(409, `A drill session is running (${this.drill}): scenarios would change its fault and its traffic; answer or abort it first`);
    const token = Symbol('scenario');
    this.scenarioRuns.add(token);
    return () => this.scenarioRuns.delete(token);
  }

  /** Scenario runs still holding the lab. */
  get scenariosRunning(): number {
    return this.scenarioRuns.size;
  }
}
