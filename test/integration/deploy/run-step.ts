import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, splitRunLine } from './shell-words.js';

/**
 * One Dockerfile `RUN` line, replayed without a Docker engine or a network. What each command does:
 *
 * - `npm ci` / `npm install`: `node_modules` comes from an existing tree (a symlink to it, made where
 *   npm would have created it), so nothing is downloaded. Unless `--ignore-scripts` is given, the
 *   project's own lifecycle scripts then run for real, as npm would run them.
 * - `npm rebuild`: with no package named (npm then rebuilds the project too) the project's
 *   `preinstall`, `install` and `postinstall` run for real. Named packages are dependencies, whose
 *   install scripts download (libtensorflow, Prisma's engines) and are skipped.
 * - `npm run …`, `node …`, `npx …`, and `ls` of the project's files run for real.
 * - `… | xargs [-r] npm …`: the producer runs for real and its words go to the npm command as above.
 * - apt, `rm` of apt lists or of `node_modules` (the shared tree), `ls` of `node_modules` (it checks
 *   downloads) and `npm prune` are skipped.
 * - Anything else fails the replay, so a new kind of step has to be taught here, not guessed at.
 */

export interface RunContext {
  /** Host folder of the container's working directory. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** The Dockerfile's `SHELL` (default `/bin/sh -c`). */
  readonly shell: readonly string[];
  /** The installed tree that stands in for the one `npm ci` would create. */
  readonly nodeModules: string;
}

/** A RUN command's outcome, for the replay's log. */
export interface RunRecord {
  readonly command: string;
  readonly outcome: 'ran' | 'skipped';
  readonly detail: string;
}

/** A replayed step failed, as it would have failed in `docker build`. */
export class ReplayError extends Error {
  constructor(
    readonly step: string,
    readonly output: string,
  ) {
    super(`replayed step failed: ${step}\n${output.slice(-4000)}`);
  }
}

const ROOT_SCRIPTS_ON_INSTALL = ['preinstall', 'install', 'postinstall', 'prepare'];
const ROOT_SCRIPTS_ON_REBUILD = ['preinstall', 'install', 'postinstall'];

function sh(ctx: RunContext, text: string, step: string): string {
  const [program = '/bin/sh', ...flags] = ctx.shell;
  const result = spawnSync(program, [...flags, text], {
    cwd: ctx.cwd,
    env: ctx.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) throw new ReplayError(step, output || String(result.error ?? ''));
  return result.stdout;
}

/** Runs the project's own lifecycle scripts for `events`, in order, as npm runs them. */
function rootScripts(ctx: RunContext, events: readonly string[], step: string): string {
  const pkg = JSON.parse(readFileSync(join(ctx.cwd, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const ran = events.filter((e) => pkg.scripts?.[e] !== undefined);
  for (const event of ran) sh(ctx, `npm run ${event}`, `${step} (the project's ${event} script)`);
  return ran.length > 0 ? `ran the project's ${ran.join(', ')}` : 'the project has no such scripts';
}

function namesProject(ctx: RunContext, spec: string): boolean {
  const pkg = JSON.parse(readFileSync(join(ctx.cwd, 'package.json'), 'utf8')) as { name?: string };
  if (spec === pkg.name || spec.startsWith(`${pkg.name}@`)) return true;
  return /^(\.|\/|~)/.test(spec) && resolve(ctx.cwd, spec) === resolve(ctx.cwd);
}

/** What an npm command amounts to here: emulated (detail given), run for real, or skipped. */
type NpmOutcome =
  | { readonly kind: 'emulated'; readonly detail: string }
  | { readonly kind: 'real' }
  | { readonly kind: 'skipped'; readonly detail: string };

function npm(ctx: RunContext, args: readonly string[], step: string): NpmOutcome {
  const sub = args.find((a) => !a.startsWith('-'));
  const positional = args.filter((a) => !a.startsWith('-')).slice(1);
  const ignoreScripts = args.includes('--ignore-scripts');
  const need = (file: string) => {
    if (!existsSync(join(ctx.cwd, file))) throw new ReplayError(step, `npm ${sub}: no ${file} here`);
  };
  switch (sub) {
    case 'ci':
    case 'install':
    case 'i': {
      need('package.json');
      if (sub === 'ci') need('package-lock.json');
      if (!existsSync(join(ctx.cwd, 'node_modules')))
        symlinkSync(ctx.nodeModules, join(ctx.cwd, 'node_modules'));
      const linked = `node_modules linked to ${ctx.nodeModules}`;
      if (ignoreScripts) return { kind: 'emulated', detail: linked };
      return { kind: 'emulated', detail: `${linked}; ${rootScripts(ctx, ROOT_SCRIPTS_ON_INSTALL, step)}` };
    }
    case 'rebuild': {
      need('package.json');
      need('node_modules');
      if (ignoreScripts) return { kind: 'emulated', detail: 'no scripts (--ignore-scripts)' };
      if (positional.length === 0 || positional.some((p) => namesProject(ctx, p)))
        return { kind: 'emulated', detail: rootScripts(ctx, ROOT_SCRIPTS_ON_REBUILD, step) };
      return {
        kind: 'skipped',
        detail: `${positional.length} dependencies named: their install scripts download (libtensorflow, Prisma's engines)`,
      };
    }
    case 'run':
    case 'run-script':
      return { kind: 'real' };
    case 'prune':
      return { kind: 'skipped', detail: 'prunes node_modules, which is the shared tree here' };
    default:
      throw new ReplayError(step, `the replay does not know npm ${sub}`);
  }
}

function operands(words: readonly string[]): string[] {
  return words.slice(1).filter((w) => !w.startsWith('-'));
}

function replayCommand(ctx: RunContext, command: Command): RunRecord {
  const text = command.map((s) => s.raw).join(' | ');
  const skip = (detail: string): RunRecord => ({ command: text, outcome: 'skipped', detail });
  const ran = (detail: string): RunRecord => ({ command: text, outcome: 'ran', detail });
  const last = command.at(-1) as Command[number];
  if (command.length > 1) {
    const [xargs, ...rest] = last.words;
    const noRunIfEmpty = rest[0] === '-r' || rest[0] === '--no-run-if-empty';
    const [program, ...args] = noRunIfEmpty ? rest.slice(1) : rest;
    if (xargs !== 'xargs' || program !== 'npm')
      throw new ReplayError(text, 'the replay only follows a pipeline into `xargs [-r] npm …`');
    const producer = command.slice(0, -1).map((s) => s.raw);
    const items = sh(ctx, producer.join(' | '), text).split(/\s+/).filter(Boolean);
    if (items.length === 0 && noRunIfEmpty) return skip('xargs -r had no input');
    const outcome = npm(ctx, [...args, ...items], text);
    if (outcome.kind === 'real')
      throw new ReplayError(text, 'the replay does not run npm scripts through xargs');
    return outcome.kind === 'skipped' ? skip(outcome.detail) : ran(outcome.detail);
  }
  // Leading NAME=value words set the command's environment; they do not change what it is.
  const first = last.words.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
  const words = first < 0 ? [] : last.words.slice(first);
  const [program] = words;
  switch (program) {
    case 'apt-get':
    case 'apt':
      return skip('apt: system packages are not installed by the replay');
    case 'rm':
      if (
        operands(words).length > 0 &&
        operands(words).every((o) => o.startsWith('/var/lib/apt/lists') || o.startsWith('node_modules/'))
      )
        return skip('removes apt lists or part of node_modules, which is the shared tree here');
      throw new ReplayError(text, 'the replay only skips rm of apt lists and of node_modules entries');
    case 'ls':
      if (operands(words).some((o) => o.startsWith('node_modules/')))
        return skip("checks what a dependency's install script downloaded; those scripts are skipped");
      sh(ctx, last.raw, text);
      return ran('ran');
    case 'npm': {
      const outcome = npm(ctx, words.slice(1), text);
      if (outcome.kind === 'skipped') return skip(outcome.detail);
      if (outcome.kind === 'emulated') return ran(outcome.detail);
      sh(ctx, last.raw, text);
      return ran('ran');
    }
    case 'node':
    case 'npx':
      sh(ctx, last.raw, text);
      return ran('ran');
    default:
      throw new ReplayError(text, `the replay does not know the command ${program}`);
  }
}

/** Replays one `RUN` line (its arguments, line continuations removed), command by command. */
export function replayRun(ctx: RunContext, line: string): RunRecord[] {
  return splitRunLine(line).map((command) => replayCommand(ctx, command));
}
