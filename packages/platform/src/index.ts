export { ConfigError, loadConfig, runMain } from './config.js';
export { formatDuration, parseDuration } from './duration.js';
export { registerHealth, type ReadinessCheck } from './health.js';
export { describeIssues, fieldOf, registerJsonErrors, type ErrorBody, type IssueDetail } from './http-errors.js';
export { DEMO_USER } from './demo-user.js';
export { defaultDataDir, REPO_ROOT } from './paths.js';
export { randomAt, randomSeed, seededRandom, streamSeed } from './random.js';
export { pickUiPath } from './ui-path.js';
export { internalUrlEnv, SERVICES, serviceById, type Mode, type Section, type ServiceInfo } from './services.js';
export { DEFAULT_SERVER_LIMITS, serverOptions, type ServerLimits } from './server-limits.js';
export {
  AccessEnv,
  cookieDomainOf,
  EXTRA_COMPOSE_NAMES,
  isLoopbackHost,
  labDomain,
  LabTokenEnv,
  MIN_LAB_TOKEN_LENGTH,
  platformHosts,
  readAccessConfig,
  type AccessConfig,
  type AccessOptions,
} from './access/config.js';
export { effectivePort, formatHostEntry, HostList, LOOPBACK_NAMES, normalizeHost, parseAuthority, parseHostEntry, type HostEntry } from './access/hosts.js';
export { foreignRequest, hasLabCredential, hostOriginCheck, isOpenRoute, registerControlPlaneGuard, registerPublic } from './access/guard.js';
export { LAB_SESSION_MAX_AGE_S, registerLoginRoutes, signInPage } from './access/login.js';
export { registerControlPlane } from './access/control-plane.js';
export { bearerToken, cookieValue, LAB_SESSION_COOKIE, labSessionValue, requireBearer, sameSecret, type BearerGuardOptions } from './access/secrets.js';
export { strictBodySchemaController } from './validation.js';
