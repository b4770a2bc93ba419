import { type LayerSpec, layerError } from './parse.js';

/**
 * Typed reads of a layer's config values, each refusing a bad value with the layer's name, the key,
 * the value and what is allowed. Keras writes snake_case keys (`kernel_size`); tfjs reads them so.
 */
export class LayerConfig {
  constructor(readonly layer: LayerSpec) {}

  get(key: string): unknown {
    return this.layer.config[key];
  }

  fail(key: string, allowed: string): never {
    throw layerError(
      this.layer,
      `${key}: got ${JSON.stringify(this.get(key)) ?? 'nothing'}; allowed: ${allowed}`,
    );
  }

  /** A positive integer (`units`, `filters`), required unless `fallback` is given. */
  positiveInt(key: string, fallback?: number): number {
    const value = this.get(key) ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      this.fail(key, 'a positive integer');
    return value;
  }

  bool(key: string, fallback: boolean): boolean {
    const value = this.get(key) ?? fallback;
    if (typeof value !== 'boolean') this.fail(key, 'true or false');
    return value;
  }

  /** A number in [min, max) (`rate`). */
  rate(key: string, fallback: number): number {
    const value = this.get(key) ?? fallback;
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) this.fail(key, 'a number in [0, 1)');
    return value;
  }

  /** One of `choices`. */
  choice(key: string, choices: readonly string[], fallback: string): string {
    const value = this.get(key) ?? fallback;
    if (typeof value !== 'string' || !choices.includes(value))
      this.fail(key, `one of: ${choices.join(', ')}`);
    return value;
  }

  /** `n` positive integers, written as a list or (for tfjs) one number; null or absent: `fallback`. */
  tuple(key: string, n: number, fallback: readonly number[]): number[] {
    const value = this.get(key) ?? fallback;
    const list = typeof value === 'number' ? Array.from({ length: n }, () => value) : value;
    if (
      !Array.isArray(list) ||
      list.length !== n ||
      !list.every((v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1)
    ) {
      this.fail(key, `${n} positive integer${n === 1 ? '' : 's'}`);
    }
    return list as number[];
  }

  /** A shape: a list of positive integers, where `allowMinusOne` lets one entry be -1 (Reshape). */
  shape(key: string, allowMinusOne = false): number[] {
    const value = this.get(key);
    const ok =
      Array.isArray(value) &&
      value.every(
        (v: unknown) =>
          typeof v === 'number' && Number.isInteger(v) && (v >= 1 || (allowMinusOne && v === -1)),
      ) &&
      value.filter((v) => v === -1).length <= 1;
    if (!ok) this.fail(key, `a list of positive integers${allowMinusOne ? ' (one may be -1)' : ''}`);
    return value as number[];
  }

  /** An axis of a tensor of `rank` (batch included), as Keras writes it: an integer or a one-element list. */
  axis(key: string, rank: number, fallback: number): number {
    let value = this.get(key) ?? fallback;
    if (Array.isArray(value) && value.length === 1) value = value[0];
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < -rank ||
      value >= rank ||
      value === 0 ||
      value === -rank
    ) {
      this.fail(key, `an axis in [1, ${rank - 1}] or [-${rank - 1}, -1] (axis 0 is the batch)`);
    }
    return value < 0 ? rank + value : value;
  }
}
