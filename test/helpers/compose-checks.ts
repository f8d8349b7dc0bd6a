/**
 * Checks of docker-compose.yml that need no container engine (Debian's docker-compose 1.29 only
 * knows Compose v1 and cannot pull or run anything here): the current Compose Specification's
 * JSON schema, exact image tags, restart policies, Go-style durations, and healthchecks that call
 * a program their image is documented to contain. Pure functions over the parsed file, so each
 * check is also tested on broken copies (test/compose.test.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';

export interface ComposeHealthcheck {
  test: string[] | string;
  interval?: string;
  timeout?: string;
  start_period?: string;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: ComposeHealthcheck;
  restart?: string;
  profiles?: string[];
  user?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/**
 * The Compose Specification's JSON schema, as the npm package dclint ships it (MIT; the schema is
 * the compose-spec project's, Apache-2.0): dclint 3.1.0, published 2026-03-24, a copy of
 * compose-spec/schema/compose-spec.json that already has `models`, `provider` and `post_start`.
 * Upstream's revision of 2025-10-28 adds build.provenance/sbom and develop.watch.initial_sync,
 * which this file does not use.
 */
export function composeSchema(): { schema: object; source: string } {
  const pkg = createRequire(import.meta.url).resolve('dclint/package.json');
  const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  const file = join(dirname(pkg), 'schemas', 'compose.schema.json');
  return { schema: JSON.parse(readFileSync(file, 'utf8')) as object, source: `dclint@${version}/schemas/compose.schema.json` };
}

let validator: ReturnType<Ajv['compile']> | undefined;

/** Schema errors as "path: message" lines; empty when the file is valid. */
export function schemaErrors(doc: unknown): string[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    // The file names its meta-schema "https://json-schema.org/draft-07/schema", a spelling Ajv
    // does not register (it knows http://…/schema#); it is draft-07, Ajv's default, so drop it.
    const { $schema: _metaSchema, ...schema } = composeSchema().schema as Record<string, unknown>;
    validator = ajv.compile(schema);
  }
  if (validator(doc)) return [];
  return (validator.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

/** `repo[:tag]` → its parts; a registry port (host:5000/x) is not a tag. */
export function splitImage(image: string): { repo: string; tag: string | undefined; digest: string | undefined } {
  const [named, digest] = image.split('@') as [string, string | undefined];
  // A tag made of a variable (our images: ${IMAGE_TAG:-local}) splits at the ':' inside it.
  const variable = /^(.*?):(\$\{.*\})$/.exec(named);
  if (variable) return { repo: variable[1] as string, tag: variable[2], digest };
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  if (colon > slash) return { repo: named.slice(0, colon), tag: named.slice(colon + 1), digest };
  return { repo: named, tag: undefined, digest };
}

/**
 * Why an image reference is not pinned to one exact release, or undefined when it is. Exact =
 * major.minor.patch (an optional leading v, an optional -variant such as -trixie-slim): not
 * `latest`, not a floating `12` or `12.4`, not untagged.
 */
export function unpinnedReason(image: string): string | undefined {
  const { tag } = splitImage(image);
  if (tag === undefined) return 'no tag (means latest)';
  if (tag === 'latest' || /^(lts|sts|stable|edge|main|nightly)$/.test(tag)) return `floating tag ${tag}`;
  if (!/^v?\d+\.\d+\.\d+(-[a-z0-9.-]+)?$/.test(tag)) return `tag ${tag} is not an exact major.minor.patch release`;
  return undefined;
}

/** A Go time.ParseDuration string, the format Compose uses for intervals and timeouts. */
export function isGoDuration(value: string): boolean {
  return /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value) || value === '0';
}

/** The program a healthcheck runs: CMD's first argument, or CMD-SHELL's first word. */
export function healthcheckProgram(hc: ComposeHealthcheck): string | undefined {
  const test = Array.isArray(hc.test) ? hc.test : ['CMD-SHELL', hc.test];
  if (test[0] === 'NONE') return undefined;
  if (test[0] === 'CMD') return test[1];
  if (test[0] === 'CMD-SHELL') return test[1]?.trim().split(/\s+/)[0];
  return test[0];
}

export interface ImageContents {
  /** Programs the image's own build recipe puts in it (basename or absolute path). */
  programs: string[];
  /** Where that is written. */
  source: string;
}

/**
 * What each image used here is documented to contain, from the image's own Dockerfile (read
 * 2026-12-03 for the pinned releases). A healthcheck may call only one of these.
 */
export const IMAGE_CONTENTS: Record<string, ImageContents> = {
  // Our images: FROM node:<26>-trixie-slim, whose Dockerfile removes curl and wget after
  // installing Node (docker-node 26/trixie-slim/Dockerfile): node is the HTTP client there is.
  'o11y-platform/todo-api': { programs: ['node'], source: 'Dockerfile (FROM node:26.13.1-trixie-slim; nodejs/docker-node 26/trixie-slim/Dockerfile purges curl and wget)' },
  'o11y-platform/load-generator': { programs: ['node'], source: 'as o11y-platform/todo-api' },
  'o11y-platform/portal': { programs: ['node'], source: 'as o11y-platform/todo-api' },
  'o11y-platform/config': { programs: ['node'], source: 'as o11y-platform/todo-api' },
  'prom/prometheus': {
    programs: ['prometheus', 'promtool', 'sh', 'wget'],
    source: 'https://github.com/prometheus/prometheus/blob/v3.13.3/Dockerfile: FROM quay.io/prometheus/busybox-${OS}-${ARCH} (busybox: sh, wget)',
  },
  'prom/alertmanager': {
    programs: ['alertmanager', 'amtool', 'sh', 'wget'],
    source: 'https://github.com/prometheus/alertmanager/blob/v0.34.0/Dockerfile: FROM quay.io/prometheus/busybox-${OS}-${ARCH} (busybox: sh, wget)',
  },
  'grafana/grafana': {
    programs: ['grafana', 'grafana-server', 'sh', 'bash', 'wget', 'curl'],
    source: 'https://github.com/grafana/grafana/blob/v12.4.5/Dockerfile: Alpine base (busybox wget), `apk add --no-cache ca-certificates bash curl tzdata musl-utils`',
  },
  'jaegertracing/jaeger': {
    programs: ['/cmd/jaeger/jaeger-linux', 'sh', 'wget'],
    source: 'https://github.com/jaegertracing/jaeger/blob/v2.21.0/cmd/jaeger/Dockerfile FROM the base image of scripts/build/docker/base/Dockerfile: alpine:3.24.1 (busybox: sh, wget)',
  },
  'cockroachdb/cockroach': {
    programs: ['/cockroach/cockroach', 'cockroach', '/cockroach/cockroach.sh', 'bash'],
    source: 'https://github.com/cockroachdb/cockroach/blob/master/build/deploy/Dockerfile: FROM ubi-minimal, COPY cockroach.sh cockroach /cockroach/, PATH=/cockroach (no HTTP client is installed)',
  },
  'portainer/portainer-ce': {
    programs: [],
    source: 'https://github.com/portainer/portainer/blob/develop/build/linux/Dockerfile: FROM portainer/base (scratch), ENTRYPOINT /portainer: no shell, no HTTP client',
  },
};

/** Healthchecks that call a program their image does not document; images with no entry above. */
export function healthcheckProblems(compose: ComposeFile): string[] {
  const problems: string[] = [];
  for (const [id, s] of Object.entries(compose.services)) {
    const repo = s.image ? splitImage(s.image).repo : undefined;
    const contents = repo ? IMAGE_CONTENTS[repo] : undefined;
    if (!contents) {
      problems.push(`${id}: image ${s.image ?? '(none)'} has no entry in IMAGE_CONTENTS`);
      continue;
    }
    if (!s.healthcheck) continue;
    const program = healthcheckProgram(s.healthcheck);
    if (program !== undefined && !contents.programs.includes(program)) {
      problems.push(`${id}: healthcheck runs ${program}, which ${repo} does not contain (${contents.source})`);
    }
    for (const key of ['interval', 'timeout', 'start_period'] as const) {
      const v = s.healthcheck[key];
      if (v !== undefined && !isGoDuration(v)) problems.push(`${id}: healthcheck.${key} ${JSON.stringify(v)} is not a duration`);
    }
  }
  return problems;
}
