import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { Copy, type Instruction, PropertyInstruction } from 'dockerfile-ast';
import { expand, globalValues, parseDockerfile, stageChain } from './dockerfile-stages.js';
import { compileDockerignore } from './dockerignore.js';
import { ReplayError, type RunRecord, replayRun } from './run-step.js';

/**
 * Replays the stages a Dockerfile target is built from, in order, in a host folder that stands for
 * the container's `/`, with no Docker engine:
 *
 * - `COPY` from the build context copies what `.dockerignore` lets in, and fails, as `docker build`
 *   does, on a source that is missing or excluded. So each step sees only the files copied before it.
 * - `WORKDIR`, `ENV`, `ARG` and `SHELL` take effect as in Docker. `ENV` is the whole environment of
 *   a `RUN` step, plus `PATH` and a `HOME` inside the folder.
 * - `RUN` lines are replayed by `replayRun` (run-step.ts): the project's own lifecycle scripts run
 *   for real; apt and dependency downloads are skipped; `npm ci` links an existing `node_modules`.
 * - `COPY --from` (another stage or image: the system's Node in the GPU base) is skipped, and so are
 *   instructions that do not touch the filesystem (`LABEL`, `EXPOSE`, `USER`, `CMD`, …).
 *
 * A failing step throws `ReplayError` with the step and its output.
 */

export interface ReplayOptions {
  readonly dockerfile: string;
  /** The build context (the repository root). */
  readonly context: string;
  readonly target: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** An installed tree, linked where `npm ci` would have created one. */
  readonly nodeModules: string;
  /** An empty host folder, the container's `/`. */
  readonly root: string;
}

export interface ReplayStep {
  readonly instruction: string;
  readonly outcome: 'applied' | 'skipped' | 'ran';
  readonly detail: string;
  readonly commands?: readonly RunRecord[];
}

export interface Replay {
  /** The host folder of a container path. */
  readonly host: (containerPath: string) => string;
  readonly workdir: string;
  readonly steps: readonly ReplayStep[];
}

const NO_FILE_EFFECT = new Set([
  'LABEL',
  'EXPOSE',
  'USER',
  'CMD',
  'ENTRYPOINT',
  'HEALTHCHECK',
  'STOPSIGNAL',
  'VOLUME',
  'MAINTAINER',
  'ONBUILD',
]);

function copyTree(from: string, rel: string, to: string, included: (path: string) => boolean): number {
  let copied = 0;
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const path = `${rel}/${entry.name}`;
    if (entry.isDirectory()) copied += copyTree(join(from, entry.name), path, join(to, entry.name), included);
    else if (entry.isFile() && included(path)) {
      mkdirSync(to, { recursive: true });
      copyFileSync(join(from, entry.name), join(to, entry.name));
      copied += 1;
    }
  }
  return copied;
}

export function replayDockerfile(options: ReplayOptions): Replay {
  const parsed = parseDockerfile(options.dockerfile);
  const buildArgs = options.buildArgs ?? {};
  const globals = globalValues(parsed, buildArgs);
  const ignore = join(options.context, '.dockerignore');
  const included = compileDockerignore(existsSync(ignore) ? readFileSync(ignore, 'utf8') : '');
  const host = (containerPath: string) => join(options.root, posix.resolve('/', containerPath));
  const vars = new Map<string, string | undefined>();
  const env: Record<string, string> = {};
  let workdir = '/';
  let shell: readonly string[] = ['/bin/sh', '-c'];
  const steps: ReplayStep[] = [];

  const copy = (instruction: Instruction, text: string): ReplayStep => {
    // getFromFlag() misses --from when other flags follow it; read the flags themselves.
    const from =
      instruction instanceof Copy ? instruction.getFlags().find((f) => f.getName() === 'from') : null;
    if (from)
      return { instruction: text, outcome: 'skipped', detail: `from ${from.getValue()}, not the context` };
    const args = instruction.getArguments().map((a) => expand(a.getValue(), vars));
    if (args[0]?.startsWith('['))
      throw new ReplayError(text, 'the replay does not read the JSON form of COPY');
    const sources = args.slice(0, -1);
    const dest = posix.resolve(workdir, args.at(-1) ?? '.');
    const into = sources.length > 1 || (args.at(-1) ?? '').endsWith('/');
    let copied = 0;
    for (const source of sources) {
      if (/[*?[]/.test(source))
        throw new ReplayError(text, `the replay does not expand wildcards: ${source}`);
      const rel = posix
        .normalize(source)
        .replace(/^(\.\/|\/)+/, '')
        .replace(/\/$/, '');
      const path = join(options.context, rel);
      if (!existsSync(path) || !included(rel))
        throw new ReplayError(
          text,
          `${source}: not in the build context (missing, or excluded by .dockerignore)`,
        );
      if (statSync(path).isDirectory()) copied += copyTree(path, rel, host(dest), included);
      else {
        const target = into || (existsSync(host(dest)) && statSync(host(dest)).isDirectory());
        const file = target ? join(host(dest), basename(rel)) : host(dest);
        mkdirSync(join(file, '..'), { recursive: true });
        copyFileSync(path, file);
        copied += 1;
      }
    }
    return { instruction: text, outcome: 'applied', detail: `${copied} files to ${dest}` };
  };

  for (const stage of stageChain(parsed, options.target, buildArgs)) {
    for (const instruction of stage.instructions) {
      const keyword = instruction.getKeyword();
      const text = `${keyword} ${instruction.getArgumentsContent() ?? ''}`;
      if (keyword === 'ARG' || keyword === 'ENV') {
        const properties = instruction instanceof PropertyInstruction ? instruction.getProperties() : [];
        for (const property of properties) {
          const name = property.getName();
          const raw = property.getValue();
          const value =
            keyword === 'ENV'
              ? expand(raw ?? '', vars)
              : (buildArgs[name] ?? (raw === null ? globals.get(name) : expand(raw, vars)));
          vars.set(name, value);
          if (keyword === 'ENV') env[name] = value ?? '';
        }
        steps.push({ instruction: text, outcome: 'applied', detail: '' });
      } else if (keyword === 'WORKDIR') {
        workdir = posix.resolve(workdir, expand(instruction.getArgumentsContent() ?? '/', vars));
        mkdirSync(host(workdir), { recursive: true });
        steps.push({ instruction: text, outcome: 'applied', detail: workdir });
      } else if (keyword === 'SHELL') {
        shell = JSON.parse(instruction.getArgumentsContent() ?? '[]') as string[];
        steps.push({ instruction: text, outcome: 'applied', detail: shell.join(' ') });
      } else if (keyword === 'COPY') {
        steps.push(copy(instruction, text));
      } else if (keyword === 'RUN') {
        const ctx = {
          cwd: host(workdir),
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: host('/root'), ...env },
          shell,
          nodeModules: options.nodeModules,
        };
        mkdirSync(ctx.env.HOME, { recursive: true });
        const commands = replayRun(ctx, instruction.getArgumentsContent() ?? '');
        const ran = commands.some((c) => c.outcome === 'ran');
        steps.push({ instruction: text, outcome: ran ? 'ran' : 'skipped', detail: '', commands });
      } else if (NO_FILE_EFFECT.has(keyword)) {
        steps.push({ instruction: text, outcome: 'skipped', detail: 'no effect on the build files' });
      } else {
        throw new ReplayError(text, `the replay does not know the instruction ${keyword}`);
      }
    }
  }
  return { host, workdir, steps };
}
