/**
 * Whether two implementations' first-step losses agree: same initial weights, batch and dropout
 * masks give the same loss up to float32 rounding, so a larger gap means the models differ and a
 * speed ratio between them would compare different work.
 */
export const LOSS_TOLERANCE = 1e-4;

export interface LossAgreement {
  /** `|a − b| / max(|a|, |b|)`; `Infinity` when either is not finite. */
  readonly relative: number;
  readonly agree: boolean;
}

export function lossAgreement(a: number, b: number, tolerance = LOSS_TOLERANCE): LossAgreement {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return { relative: Number.POSITIVE_INFINITY, agree: false };
  const scale = Math.max(Math.abs(a), Math.abs(b));
  const relative = scale === 0 ? 0 : Math.abs(a - b) / scale;
  return { relative, agree: relative <= tolerance };
}
