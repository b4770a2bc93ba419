import {
  AppError,
  INITIAL_LEARNING_RATE_STATE,
  type LearningRateState,
  NOISE_GENERATORS,
  type NoiseGenerator,
  STREAM_VERSIONS,
  type StreamVersion,
} from '../core/index.js';

/**
 * Readers of the string values in a checkpoint's `__metadata__` (layout in `layout.ts`). Each
 * throws INVALID_ARGUMENT naming the key for a corrupt value, and reads an absent optional key as
 * what files written before it existed meant.
 */

/** INVALID_ARGUMENT about a checkpoint file. */
export function fail(message: string): AppError {
  return new AppError('INVALID_ARGUMENT', `checkpoint: ${message}`);
}

/** `noise_state.generator`; absent: the ziggurat, the only generator before the option. */
export function noiseGenerator(value: unknown): NoiseGenerator {
  if (value === undefined) return 'ziggurat';
  const found = NOISE_GENERATORS.find((g) => g === value);
  if (found === undefined) {
    throw fail(`noise_state.generator ${JSON.stringify(value)} is not one of ${NOISE_GENERATORS.join(', ')}`);
  }
  return found;
}

/** `stream_version`; absent: version 1. */
export function streamVersion(value: string | undefined): StreamVersion {
  if (value === undefined) return 1;
  const found = STREAM_VERSIONS.find((v) => String(v) === value);
  if (found === undefined) {
    throw fail(`stream_version ${JSON.stringify(value)} is not one of ${STREAM_VERSIONS.join(', ')}`);
  }
  return found;
}

/** `solved`: "true" or absent. */
export function solved(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value !== 'true') throw fail(`solved ${JSON.stringify(value)} is not "true"`);
  return true;
}

/** `lr_schedule_state`; absent: the initial state of a constant rate. */
export function learningRateState(metadata: Readonly<Record<string, string>>): LearningRateState {
  if (metadata.lr_schedule_state === undefined) return INITIAL_LEARNING_RATE_STATE;
  const state = parseJsonObject(metadata, 'lr_schedule_state');
  const { scale, best, count, phaseStart } = state;
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) {
    throw fail('lr_schedule_state.scale is not a finite number > 0');
  }
  if (best !== null && (typeof best !== 'number' || !Number.isFinite(best))) {
    throw fail('lr_schedule_state.best is neither null nor a finite number');
  }
  return {
    scale,
    best,
    count: nonNegativeInteger(count, 'lr_schedule_state.count'),
    // Absent in checkpoints written before phase-relative schedules: phase start 0.
    phaseStart: phaseStart === undefined ? 0 : nonNegativeInteger(phaseStart, 'lr_schedule_state.phaseStart'),
  };
}

/** The JSON object under `key`; missing or not an object: INVALID_ARGUMENT. */
export function parseJsonObject(
  metadata: Readonly<Record<string, string>>,
  key: string,
): Record<string, unknown> {
  const raw = metadata[key];
  if (raw === undefined) throw fail(`metadata ${key} is missing`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (cause) {
    throw new AppError('INVALID_ARGUMENT', `checkpoint: metadata ${key} is not JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(`metadata ${key} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** An integer >= 0, given as a number or a decimal string. */
export function nonNegativeInteger(value: unknown, what: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw fail(`${what} is not an integer >= 0`);
  return n;
}

/** A safe integer (a JSON number). */
export function safeInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw fail(`${what} is not a safe integer`);
  return value;
}
