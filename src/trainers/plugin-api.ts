import { defineTrainer, type TrainerDeclaration } from './define.js';
import { batchIndices, gatherRows, stepsPerEpoch } from './shared/batching.js';
import { gaussianBlobs } from './smoke/blobs.js';
import type { TrainerDefinition } from './types.js';

/**
 * The plugin API: what a trainer module (`GRADNOISE_TRAINER_MODULES`) receives from the service.
 *
 * A trainer module is an ES module whose default export is a function taking this API and
 * returning its trainer definitions (or a promise of them), each built with `api.defineTrainer`:
 *
 * ```js
 * export default function trainers(api) {
 *   return [api.defineTrainer({ name: 'logreg', schema: {…}, metrics: […], create(config, context) {…}, … })];
 * }
 * ```
 *
 * The API is handed in rather than imported so a module needs no path to the service's code, and
 * its definitions are built by the very `defineTrainer` (and checks) of the service that loads it.
 * Its tensors come from `@tensorflow/tfjs`, imported by the module itself as a peer dependency:
 * the loader refuses a module that would load a second copy (see `loadTrainerRegistry`).
 *
 * `gradnoise/plugin` (package.json `exports`) gives TypeScript authors these types.
 */
export interface PluginApi {
  /** Bumped when the API changes incompatibly; a module may check it. */
  readonly apiVersion: 1;
  /** Builds and checks a definition (see src/trainers/define.ts); throws on a bad declaration. */
  defineTrainer<C extends object>(declaration: TrainerDeclaration<C>): TrainerDefinition<C>;
  /** The smoke trainer's seeded Gaussian blobs (src/trainers/smoke/blobs.ts). */
  readonly gaussianBlobs: typeof gaussianBlobs;
  /** Mini-batches as a pure function of (streams, step), so a resumed run draws the same batches. */
  readonly batchIndices: typeof batchIndices;
  /** Copies rows of a labelled set into one input array and one-hot labels. */
  readonly gatherRows: typeof gatherRows;
  /** `ceil(size / batchSize)`. */
  readonly stepsPerEpoch: typeof stepsPerEpoch;
}

/** A trainer module's default export. */
export type TrainerModule = (
  api: PluginApi,
) => readonly TrainerDefinition[] | Promise<readonly TrainerDefinition[]>;

/**
 * A fresh API for one module, and the set of definitions its `defineTrainer` built: the loader
 * accepts only those, so whatever else a module returns is refused by name.
 */
export function createPluginApi(): { readonly api: PluginApi; readonly built: WeakSet<object> } {
  const built = new WeakSet<object>();
  const api: PluginApi = {
    apiVersion: 1,
    defineTrainer<C extends object>(declaration: TrainerDeclaration<C>): TrainerDefinition<C> {
      checkDeclarationShape(declaration);
      const definition = defineTrainer(declaration);
      built.add(definition);
      return definition;
    },
    gaussianBlobs,
    batchIndices,
    gatherRows,
    stepsPerEpoch,
  };
  return { api, built };
}

const FUNCTIONS = ['create', 'stepsPerEpoch', 'examplesPerStep'] as const;

/**
 * What TypeScript would have checked, checked again: a module is usually plain JavaScript, and a
 * missing member would otherwise fail only at its first run.
 */
function checkDeclarationShape(declaration: unknown): void {
  if (typeof declaration !== 'object' || declaration === null) {
    throw new Error('defineTrainer: the declaration must be an object');
  }
  const d = declaration as Readonly<Record<string, unknown>>;
  const name = typeof d.name === 'string' ? d.name : JSON.stringify(d.name);
  const fail = (what: string) => new Error(`trainer ${name}: ${what}`);
  if (typeof d.name !== 'string') throw fail('name must be a string');
  for (const member of FUNCTIONS) {
    if (typeof d[member] !== 'function') throw fail(`${member} must be a function`);
  }
  if (typeof d.description !== 'string') throw fail('description must be a string');
  if (typeof d.paperSection !== 'string') throw fail('paperSection must be a string ("" if none)');
  if (typeof d.schema !== 'object' || d.schema === null) throw fail('schema must be an object');
  if (!Array.isArray(d.metrics)) throw fail('metrics must be an array');
  if (!Number.isInteger(d.defaultMaxSteps) || (d.defaultMaxSteps as number) < 1) {
    throw fail('defaultMaxSteps must be a positive integer');
  }
  const noise = d.defaultNoise as Readonly<Record<string, unknown>> | undefined;
  if (typeof noise?.eta !== 'number' || typeof noise.gamma !== 'number') {
    throw fail('defaultNoise must be { eta: number, gamma: number }');
  }
}
