import { invalidArgument } from '../../core/index.js';
import type { DeleteRunResponse } from '../../generated/proto/gradnoise/v1/DeleteRunResponse.js';
import type { UpdateRunRequest__Output } from '../../generated/proto/gradnoise/v1/UpdateRunRequest.js';
import type { LabelKeyEdit, RunUpdateInput } from '../../runs/index.js';
import type { RunDeletion } from '../../store/types.js';
import { displayName, isLabelKey, labels, requiredId } from '../fields.js';
import { encodeRun } from './run.js';

/** Paths one update_mask may hold: a few fields, or one per label at most, with room to spare. */
export const MAX_MASK_PATHS = 64;
const LABEL_PATH = 'labels.';
const PATHS_ALLOWED =
  'display_name, labels, or labels.<key> with a label key of 1-63 characters from [A-Za-z0-9_.-/]';

/**
 * Decodes an UpdateRunRequest (AIP-134 field-mask semantics, see the proto). Every value is checked
 * as StartRun checks it; a value the mask does not name is refused rather than silently ignored, so
 * a forgotten path cannot look like a successful update. What depends on the stored run (reserved
 * labels, the label count after the update) is the use case's to check.
 */
export function decodeUpdateRun(message: UpdateRunRequest__Output): Omit<RunUpdateInput, 'project'> {
  const runId = requiredId('run_id', message.runId);
  const paths = message.updateMask?.paths ?? [];
  if (paths.length === 0)
    throw invalidArgument('update_mask', 'no paths', `at least one path: ${PATHS_ALLOWED}`);
  if (paths.length > MAX_MASK_PATHS) {
    throw invalidArgument('update_mask', `${paths.length} paths`, `at most ${MAX_MASK_PATHS} paths`);
  }
  // The mask first: it says what the values mean.
  let setsName = false;
  let replacesLabels = false;
  const keyFields = new Map<string, string>();
  for (const [i, path] of paths.entries()) {
    const field = `update_mask.paths[${i}]`;
    const key = path.startsWith(LABEL_PATH) ? path.slice(LABEL_PATH.length) : undefined;
    if (path === 'display_name') setsName = true;
    else if (path === 'labels') replacesLabels = true;
    else if (key !== undefined && isLabelKey(key)) {
      if (!keyFields.has(key)) keyFields.set(key, field);
    } else throw invalidArgument(field, path, `one of ${PATHS_ALLOWED}`);
  }
  const name = displayName('display_name', message.displayName);
  const given = new Map(Object.entries(labels('labels', message.labels)));
  const keys: LabelKeyEdit[] = [...keyFields].map(([key, field]) => ({
    key,
    value: given.get(key) ?? null,
    field,
  }));

  if (!setsName && name !== '') {
    throw invalidArgument('display_name', name, 'empty, as update_mask does not name display_name');
  }
  if (!replacesLabels) {
    for (const [key, value] of given) {
      if (!keyFields.has(key)) {
        throw invalidArgument(
          `labels[${JSON.stringify(key)}]`,
          value,
          `a label update_mask names: add "labels" or "labels.${key}" to its paths`,
        );
      }
    }
  }
  const labelsChange = replacesLabels || keys.length > 0;
  return {
    runId,
    ...(setsName ? { displayName: name } : {}),
    ...(labelsChange
      ? { labels: { ...(replacesLabels ? { replace: Object.fromEntries(given) } : {}), keys } }
      : {}),
  };
}

/** Encodes what DeleteRun removed. */
export function encodeRunDeletion(deletion: RunDeletion): DeleteRunResponse {
  return {
    run: encodeRun(deletion.run),
    metricPointsDeleted: deletion.metricPoints,
    checkpointsDeleted: deletion.checkpoints,
    checkpointBytesDeleted: deletion.checkpointBytes,
  };
}
