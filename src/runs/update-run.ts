import { invalidArgument, LIMITS } from '../core/index.js';
import type { RunRecord, RunRepository } from '../store/types.js';

/** What UpdateRun needs: the store's locked update, and the label keys no update may change. */
export interface RunUpdateDeps {
  readonly runs: Pick<RunRepository, 'update'>;
  /**
   * Keys whose stored value (or absence) an update must keep: the sweep's own labels (src/sweeps
   * `RESERVED_LABEL_KEYS`), which its report reads back. Injected, as sweeps sit above runs.
   */
  readonly reservedLabelKeys: readonly string[];
}

/** One label an update names by key: its new value, or null to remove it. */
export interface LabelKeyEdit {
  readonly key: string;
  readonly value: string | null;
  /** The request's field to blame when the change is refused, e.g. `update_mask.paths[2]`. */
  readonly field: string;
}

/** How an update changes the labels: the whole map, then single keys, in that order. */
export interface LabelEdit {
  /** The whole new map (mask path `labels`); the run's reserved labels are kept. */
  readonly replace?: Readonly<Record<string, string>>;
  /** Single keys (mask paths `labels.<key>`), applied in order after `replace`. */
  readonly keys: readonly LabelKeyEdit[];
}

/** One UpdateRun, decoded and validated field by field (label keys, values, the display name). */
export interface RunUpdateInput {
  /** The caller's project: a run of another project is NOT_FOUND. */
  readonly project: string;
  readonly runId: string;
  /** The new display name; undefined keeps it. */
  readonly displayName?: string;
  /** undefined keeps the labels. */
  readonly labels?: LabelEdit;
}

/**
 * UpdateRun: changes the display name and labels of a run of any status, in one transaction with
 * the run locked, and returns the updated run. The labels after the update are checked as a whole:
 * at most `LIMITS.maxLabels`, and every reserved key as it was stored (INVALID_ARGUMENT naming
 * `labels["<key>"]` for a changed value, or the mask path that would remove it). NOT_FOUND for an
 * unknown run or one of another project. Nothing is stored when anything is refused.
 */
export function updateRun(deps: RunUpdateDeps, input: RunUpdateInput): Promise<RunRecord> {
  const { displayName, labels } = input;
  return deps.runs.update(input.project, input.runId, (run) => ({
    ...(displayName !== undefined ? { displayName } : {}),
    ...(labels !== undefined ? { labels: editLabels(run.labels, labels, deps.reservedLabelKeys) } : {}),
  }));
}

/** The labels `edit` makes of `current`; throws INVALID_ARGUMENT when the result breaks a rule. */
export function editLabels(
  current: Readonly<Record<string, string>>,
  edit: LabelEdit,
  reservedKeys: readonly string[],
): Record<string, string> {
  // A Map, so that no key (not even "__proto__") is anything but a label.
  const stored = new Map(Object.entries(current));
  const next = new Map(edit.replace === undefined ? stored : Object.entries(edit.replace));
  if (edit.replace !== undefined) {
    for (const key of reservedKeys) {
      const value = stored.get(key);
      if (value !== undefined && !next.has(key)) next.set(key, value);
    }
  }
  for (const { key, value } of edit.keys) {
    if (value === null) next.delete(key);
    else next.set(key, value);
  }
  for (const key of reservedKeys) {
    const before = stored.get(key);
    const after = next.get(key);
    if (after === before) continue;
    if (after === undefined) {
      const removal = edit.keys.find((k) => k.key === key && k.value === null);
      throw invalidArgument(
        removal?.field ?? 'labels',
        `labels.${key}`,
        `a path that keeps the reserved sweep label ${key} (${JSON.stringify(before)}): it cannot be removed`,
      );
    }
    throw invalidArgument(
      `labels[${JSON.stringify(key)}]`,
      after,
      before === undefined
        ? `no value: ${key} is a reserved sweep label, which UpdateRun cannot add`
        : `${JSON.stringify(before)}, the stored value: ${key} is a reserved sweep label and cannot change`,
    );
  }
  if (next.size > LIMITS.maxLabels) {
    throw invalidArgument(
      'labels',
      `${next.size} labels after the update`,
      `at most ${LIMITS.maxLabels} labels on a run`,
    );
  }
  return Object.fromEntries(next);
}
