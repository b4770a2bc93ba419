import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Copy } from 'dockerfile-ast';
import { afterAll, describe, expect, it } from 'vitest';
import { type Replay, replayDockerfile } from './dockerfile-replay.js';
import { parseDockerfile, stageChain } from './dockerfile-stages.js';
import { compileDockerignore } from './dockerignore.js';
import { ReplayError } from './run-step.js';

/**
 * The image's build stage, replayed without a Docker engine (there is none here): the Dockerfile's
 * steps run in order in a temporary folder standing for the container's `/`, each seeing only the
 * files copied before it (through `.dockerignore`). The project's own lifecycle scripts run for real
 * where a step would run them (`postinstall` via `npm rebuild`, `npm run generate`, `npm run build`,
 * that is `tsc -p tsconfig.build.json`). Skipped, because they need the network: apt, and the
 * dependencies' install scripts (libtensorflow, Prisma's engines). `npm ci` does not touch the
 * network either: the repository's installed `node_modules` is symlinked where `npm ci` would have
 * created it. dockerfile-replay.ts and run-step.ts say exactly what each step does.
 *
 * The Dockerfile's first version ran `npm rebuild` in the dependency layer before `scripts/` was
 * copied; npm counts the project among the packages to rebuild, so its `postinstall`
 * (`node scripts/generate.mjs`) died with MODULE_NOT_FOUND. The fixture below keeps those steps, and
 * the replay must fail on it.
 */

const ROOT = join(import.meta.dirname, '../../..');
const NODE_MODULES = realpathSync(join(ROOT, 'node_modules'));
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const roots: string[] = [];

function replay(dockerfile: string, target = 'build'): Replay {
  const root = mkdtempSync(join(tmpdir(), 'gradnoise-image-'));
  roots.push(root);
  return replayDockerfile({ dockerfile, context: ROOT, target, nodeModules: NODE_MODULES, root });
}

function replayError(dockerfile: string): ReplayError {
  try {
    replay(dockerfile);
  } catch (error) {
    if (error instanceof ReplayError) return error;
    throw error;
  }
  throw new Error('the replay succeeded');
}

afterAll(() => {
  // rmSync removes the node_modules symlink itself, never the tree it points to.
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** The dependency layer as the first Dockerfile had it (commit c2c47a5), on a plain Node base. */
const LAYER_ORDER_BUG = `FROM node:20-bookworm-slim AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /app
ENV GRADNOISE_TFJS_PACKAGE=@tensorflow/tfjs-node GRADNOISE_TFJS_UNUSED=@tensorflow/tfjs-node-gpu
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \\
 && rm -rf "node_modules/\${GRADNOISE_TFJS_UNUSED}" \\
 && npm rebuild \\
 && ls node_modules/"\${GRADNOISE_TFJS_PACKAGE}"/deps/lib/libtensorflow.so*
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY scripts ./scripts
COPY proto ./proto
COPY prisma ./prisma
COPY src ./src
RUN npm run generate && npm run build
`;

describe('the Dockerfile, replayed without Docker', () => {
  it('fails, as docker build did, when the dependency layer runs the project postinstall too early', () => {
    const error = replayError(LAYER_ORDER_BUG);
    expect(error.step).toContain('npm rebuild');
    expect(error.output).toContain('MODULE_NOT_FOUND');
    expect(error.output).toMatch(/\/app\/scripts\/generate\.mjs/);
  });

  it('fails on a COPY of a file that .dockerignore leaves out of the context', () => {
    const error = replayError('FROM node:20-bookworm-slim AS build\nWORKDIR /app\nCOPY README.md ./\n');
    expect(error.output).toMatch(/README\.md: not in the build context/);
  });

  it('builds the GPU image: generate and tsc run, and the runtime stage finds every file it copies', () => {
    const { host, workdir, steps } = replay(DOCKERFILE);
    expect(workdir).toBe('/app');
    const runs = steps.flatMap((s) => s.commands ?? []);
    // The dependency layer installs, rebuilds the dependencies only, and never reaches the project.
    expect(runs.find((c) => c.command.startsWith('npm ci'))?.detail).toMatch(/^node_modules linked/);
    const rebuild = runs.find((c) => c.command.includes('npm rebuild'));
    expect(rebuild?.outcome).toBe('skipped');
    expect(rebuild?.detail).toMatch(/^\d+ dependencies named/);
    expect(Number(rebuild?.detail.split(' ')[0])).toBeGreaterThan(100);
    expect(runs.filter((c) => c.outcome === 'ran').map((c) => c.command)).toEqual(
      expect.arrayContaining(['npm run generate', 'npm run build']),
    );

    for (const generated of ['src/generated/proto', 'src/generated/prisma', 'dist/src/main.js'])
      expect(existsSync(host(`/app/${generated}`)), generated).toBe(true);
    // .dockerignore kept the tests out of the image's sources.
    const specs = readdirSync(host('/app/src'), { recursive: true }).filter((f) =>
      String(f).endsWith('.spec.ts'),
    );
    expect(specs).toEqual([]);

    const runtime = parseDockerfile(DOCKERFILE).stages.find((s) => s.name === 'runtime');
    const fromBuild = (runtime?.instructions ?? [])
      .filter((i): i is Copy => i instanceof Copy)
      .filter((i) => i.getFlags().some((f) => f.getName() === 'from' && f.getValue() === 'build'))
      .flatMap((i) =>
        i
          .getArguments()
          .slice(0, -1)
          .map((a) => a.getValue()),
      );
    expect(fromBuild.length).toBeGreaterThanOrEqual(5);
    for (const source of fromBuild) expect(existsSync(host(source)), source).toBe(true);
  }, 600_000);

  it('builds both variants from the same build stage on their own base', () => {
    const parsed = parseDockerfile(DOCKERFILE);
    const names = (variant: string) => stageChain(parsed, 'build', { VARIANT: variant }).map((s) => s.name);
    expect(names('gpu')).toEqual(['base-gpu', 'build']);
    expect(names('cpu')).toEqual(['node', 'base-cpu', 'build']);
  });
});

describe('.dockerignore, read as Docker reads it', () => {
  const included = compileDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));

  it('sends the sources the build needs, and nothing generated, tested or unrelated', () => {
    for (const path of [
      'package.json',
      'scripts/generate.mjs',
      'proto',
      'src/main.ts',
      'prisma/schema.prisma',
    ])
      expect(included(path), path).toBe(true);
    for (const path of [
      'README.md',
      'node_modules/x',
      'src/generated/proto/a.ts',
      'src/optim/x.spec.ts',
      'test',
    ])
      expect(included(path), path).toBe(false);
  });

  it('lets the last matching pattern decide, with ** spanning directories', () => {
    const rules = compileDockerignore('*\n!a/\na/**/*.tmp\n!a/keep.tmp\n# comment\n');
    expect(rules('a/b/c.ts')).toBe(true);
    expect(rules('a/b/c.tmp')).toBe(false);
    expect(rules('a/c.tmp')).toBe(false);
    expect(rules('a/keep.tmp')).toBe(true);
    expect(rules('b.ts')).toBe(false);
  });
});
