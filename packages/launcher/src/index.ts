export { DEFAULT_READY_TIMEOUT_MS, parseArgs, USAGE, type CliOptions, type ParseResult } from './cli.js';
export { DATA_DIR_ENV, resetData, resolveDataRoot, unsafeToWipe, type ResetIo, type ResetOutcome } from './data-dir.js';
export { labTokenProblem, PARENT_WATCH, runLauncher, type LauncherIo } from './launcher.js';
export {
  formatLogLine,
  formatLogfmtLine,
  formatPinoLine,
  formatPrefix,
  parseLogfmt,
  useColour,
  type Palette,
} from './log-format.js';
export {
  appEntry,
  appEnv,
  appSpec,
  EMBEDDED_APPS,
  healthUrl,
  labTokens,
  LAUNCHED_SERVICES,
  launchedServiceInfo,
  loadOrCreateSecrets,
  localUrl,
  secretsFile,
  STACK_SERVICES,
  type AppId,
  type LabTokens,
  type LauncherSecrets,
  type PlanContext,
} from './plan.js';
export { busyPorts, isPortFree, parsePort, portInUseMessage, resolvePorts, type PortClaim } from './ports.js';
export { pickUiUrl, probe, renderTable, waitAllReady, type Probe, type TableRow, type WaitResult } from './ready.js';
export { findStackBinaries, INSTALL_HINT, missingBinariesMessage, planStack, type StackBinaries } from './stack.js';
export { backoffDelay, DEFAULT_BACKOFF, describeExit, Supervisor, type BackoffPolicy, type ChildSpec, type SupervisorHooks } from './supervisor.js';
export { childrenFile, commandLine, forgetChildren, isAlive, recordChildren, runningLauncher, stopLeftovers } from './leftovers.js';
