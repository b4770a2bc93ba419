import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPluginApi, type TrainerModule } from './plugin-api.js';
import { BUILTIN_TRAINERS, createRegistry, type TrainerRegistry } from './registry.js';
import type { TrainerDefinition } from './types.js';

/**
 * The trainer modules to load (`GRADNOISE_TRAINER_MODULES`). Plain data, so it travels to every
 * worker thread in its boot data and each thread loads the same modules itself.
 */
export interface TrainerModules {
  /** Module specifiers in order: a path (`./x.js`, `../x`, `/abs/x.js`) or a package name. */
  readonly specifiers: readonly string[];
  /** Where relative paths and package names are resolved from: the service's working directory. */
  readonly baseDir: string;
}

/** The packages whose second copy a plugin must not bring: tensors of two copies do not mix. */
const TFJS_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-core'] as const;

/**
 * The built-in trainers (`builtins`, default {@link BUILTIN_TRAINERS}; the service passes them with
 * its settings, `builtinTrainerList`) and those of every module in `modules`, in order, as one
 * registry.
 *
 * For each module: resolve it (a path against `baseDir`; a package name by Node's package
 * resolution from `baseDir`, which must export a `default`, `node` or `require` entry); refuse it if
 * `@tensorflow/tfjs` or `-core` resolves, from the module's own file, to another copy than the
 * service's (a plugin declares tfjs as a peer dependency and must not install or bundle its own);
 * import it; call its default export with a fresh {@link PluginApi}; accept only definitions built
 * by that API's `defineTrainer`, at least one, with names that no built-in or earlier module took.
 *
 * Throws an `Error` naming the module (as written) and the reason for the first that fails, so the
 * service does not start half-configured.
 */
export async function loadTrainerRegistry(
  modules: TrainerModules,
  builtins: readonly TrainerDefinition[] = BUILTIN_TRAINERS,
): Promise<TrainerRegistry> {
  const definitions: TrainerDefinition[] = [...builtins];
  const owners = new Map(definitions.map((d) => [d.name, 'a built-in trainer']));
  for (const specifier of modules.specifiers) {
    const fail = (reason: string, cause?: unknown) =>
      new Error(`trainer module ${specifier}: ${reason}`, cause === undefined ? {} : { cause });
    const file = resolveModule(specifier, modules.baseDir, fail);
    checkSharedTfjs(file, fail);
    let loaded: Readonly<Record<string, unknown>>;
    try {
      loaded = (await import(pathToFileURL(file).href)) as Readonly<Record<string, unknown>>;
    } catch (error) {
      throw fail(`failed to load: ${message(error)}`, error);
    }
    for (const definition of await moduleTrainers(loaded, fail)) {
      const owner = owners.get(definition.name);
      if (owner !== undefined) throw fail(`trainer ${definition.name} is already defined by ${owner}`);
      owners.set(definition.name, `trainer module ${specifier}`);
      definitions.push(definition);
    }
  }
  return createRegistry(definitions);
}

type Fail = (reason: string, cause?: unknown) => Error;

/** A path when it starts like one (as Node's own specifiers), else a package name. */
function isPath(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier);
}

function resolveModule(specifier: string, baseDir: string, fail: Fail): string {
  if (isPath(specifier)) {
    const file = resolve(baseDir, specifier);
    if (!existsSync(file)) throw fail(`no such file: ${file}`);
    return realpathSync(file);
  }
  try {
    return realpathSync(createRequire(join(baseDir, 'noop.js')).resolve(specifier));
  } catch (error) {
    throw fail(`cannot be resolved from ${baseDir}: ${message(error)}`, error);
  }
}

/** Refuses a module whose own resolution of tfjs reaches another copy than the service's. */
function checkSharedTfjs(file: string, fail: Fail): void {
  const ours = createRequire(import.meta.url);
  const theirs = createRequire(file);
  for (const name of TFJS_PACKAGES) {
    const own = resolvedFile(ours, name);
    const plugin = resolvedFile(theirs, name);
    if (own !== null && plugin !== null && own !== plugin) {
      throw fail(
        `it would load a second copy of ${name} (${plugin}) instead of the service's (${own}); ` +
          `declare ${name} as a peerDependency of the module and do not install or bundle a copy of it`,
      );
    }
  }
}

/** The real path `name` resolves to from `require`'s location, or null when it does not resolve. */
function resolvedFile(require: NodeJS.Require, name: string): string | null {
  try {
    return realpathSync(require.resolve(name));
  } catch {
    return null;
  }
}

async function moduleTrainers(
  loaded: Readonly<Record<string, unknown>>,
  fail: Fail,
): Promise<readonly TrainerDefinition[]> {
  const factory = loaded.default;
  if (typeof factory !== 'function') {
    throw fail(
      `its default export is ${describe(factory)}, not a function (api) => trainer definitions ` +
        '(see examples/plugin-trainer)',
    );
  }
  const { api, built } = createPluginApi();
  let returned: unknown;
  try {
    returned = await (factory as TrainerModule)(api);
  } catch (error) {
    throw fail(message(error), error);
  }
  if (!Array.isArray(returned) || returned.length === 0) {
    throw fail(`its default export returned ${describe(returned)}, not a non-empty array of trainers`);
  }
  returned.forEach((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || !built.has(item)) {
      throw fail(`item ${i} of its trainers is ${describe(item)}, not a result of api.defineTrainer`);
    }
  });
  return returned as TrainerDefinition[];
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return value === null ? 'null' : typeof value;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
