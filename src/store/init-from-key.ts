/**
 * The foreign key from a run's init_from onto the checkpoint it names (migration 20261211000000).
 * Its violation means different things by direction: a run stored with a checkpoint that is gone
 * (NOT_FOUND for the caller), or a checkpoint deleted that a run still names (which the prune and
 * DeleteRun turn into "keep it" and FAILED_PRECONDITION).
 */
export const INIT_FROM_KEY = 'runs_init_from_run_id_init_from_step_fkey';

/** Whether `error` is PostgreSQL's foreign-key violation (23503) of {@link INIT_FROM_KEY}. */
export function isInitFromKeyViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23503' && constraint === INIT_FROM_KEY;
}
