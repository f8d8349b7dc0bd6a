export { ConfigError, loadConfig, runMain } from './config.js';
export { formatDuration, parseDuration } from './duration.js';
export { registerHealth, type ReadinessCheck } from './health.js';
export { fieldOf, registerJsonErrors, type ErrorBody } from './http-errors.js';
export { defaultDataDir, REPO_ROOT } from './paths.js';
export { randomSeed, seededRandom } from './random.js';
export { pickUiPath } from './ui-path.js';
export { internalUrlEnv, SERVICES, serviceById, type Mode, type Section, type ServiceInfo } from './services.js';
export { strictBodySchemaController } from './validation.js';
