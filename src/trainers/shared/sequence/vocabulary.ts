import { failedPrecondition, invalidArgument } from '../../../core/index.js';

/** Id of the padding token: every padded slot holds it, so id 0 can be a zeroed (nil) embedding row. */
export const PAD_ID = 0;
/** Id of the unknown token, reserved in every vocabulary whether or not unknowns are allowed. */
export const UNKNOWN_ID = 1;
/** How the reserved ids are spelled by `decode`; data tokens may not use these spellings. */
export const PAD_TOKEN = '<pad>';
export const UNKNOWN_TOKEN = '<unk>';

/** Version of the `toJSON` layout. */
const FORMAT = 1;

/** What `encode` does with a token the vocabulary does not hold. */
export type UnknownPolicy = 'error' | 'map';

/** The JSON form of a vocabulary: store it in a checkpoint's trainer meta. */
export interface VocabularyJson {
  readonly format: number;
  /** The data tokens, in id order from `UNKNOWN_ID + 1`. */
  readonly tokens: readonly string[];
  readonly unknown: UnknownPolicy;
}

export interface VocabularyOptions {
  /**
   * `error` (default): `encode` refuses a token it does not hold, naming it. `map`: such a token
   * becomes `UNKNOWN_ID` (e.g. question words seen only at test time).
   */
  readonly unknown?: UnknownPolicy;
  /** Name of the data in error messages, e.g. `answers`. Default `tokens`. */
  readonly field?: string;
}

/** Sorts by UTF-16 code units: unlike `localeCompare`, the order is the same on every machine. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A bijection between tokens and integer ids, with id 0 for padding and id 1 for unknown tokens.
 *
 * Ids are assigned in sorted order of the distinct tokens (by UTF-16 code units), not by first
 * occurrence: the ids then depend only on the set of tokens, so shuffling or regenerating the
 * stories in another order gives the same ids. A resumed run must still reuse the stored ids
 * (`toJSON` into the checkpoint's meta, `fromJSON` on import), since a dataset read again may hold
 * other tokens.
 */
export class Vocabulary {
  readonly #tokens: readonly string[];
  readonly #ids: ReadonlyMap<string, number>;
  readonly unknown: UnknownPolicy;
  readonly #field: string;

  private constructor(tokens: readonly string[], unknown: UnknownPolicy, field: string) {
    this.#tokens = tokens;
    this.#ids = new Map(tokens.map((token, i) => [token, i + UNKNOWN_ID + 1]));
    this.unknown = unknown;
    this.#field = field;
  }

  /**
   * The vocabulary of every token in `streams` (e.g. one stream per story, or per sentence).
   * Tokens must be non-empty strings other than `PAD_TOKEN` and `UNKNOWN_TOKEN`; a bad one is an
   * INVALID_ARGUMENT naming the stream and position.
   */
  static build(streams: Iterable<Iterable<string>>, options: VocabularyOptions = {}): Vocabulary {
    const field = options.field ?? 'tokens';
    const seen = new Set<string>();
    let s = 0;
    for (const stream of streams) {
      let i = 0;
      for (const token of stream) {
        checkToken(token, `${field}[${s}][${i}]`);
        seen.add(token);
        i += 1;
      }
      s += 1;
    }
    return new Vocabulary([...seen].sort(byCodeUnits), options.unknown ?? 'error', field);
  }

  /**
   * The vocabulary stored by `toJSON`, with the same ids. A malformed value (a corrupt or foreign
   * checkpoint) is a FAILED_PRECONDITION saying what is wrong.
   */
  static fromJSON(value: unknown, options: Pick<VocabularyOptions, 'field'> = {}): Vocabulary {
    const bad = (why: string) => failedPrecondition(`vocabulary in checkpoint: ${why}`);
    if (typeof value !== 'object' || value === null) throw bad('not an object');
    const { format, tokens, unknown } = value as Record<string, unknown>;
    if (format !== FORMAT) throw bad(`unknown format ${JSON.stringify(format)}; expected ${FORMAT}`);
    if (unknown !== 'error' && unknown !== 'map') {
      throw bad(`unknown policy ${JSON.stringify(unknown)}; expected "error" or "map"`);
    }
    if (!Array.isArray(tokens)) throw bad('tokens is not an array');
    const seen = new Set<string>();
    tokens.forEach((token: unknown, i) => {
      if (typeof token !== 'string' || token === '' || token === PAD_TOKEN || token === UNKNOWN_TOKEN) {
        throw bad(`tokens[${i}] is ${JSON.stringify(token)}; expected a non-empty, non-reserved string`);
      }
      if (seen.has(token)) throw bad(`tokens[${i}] ${JSON.stringify(token)} appears twice`);
      seen.add(token);
    });
    return new Vocabulary([...(tokens as string[])], unknown, options.field ?? 'tokens');
  }

  /** Number of ids, the two reserved ones included: the row count of an embedding matrix. */
  get size(): number {
    return this.#tokens.length + UNKNOWN_ID + 1;
  }

  /** The data tokens in id order (ids `UNKNOWN_ID + 1` onwards). */
  get tokens(): readonly string[] {
    return this.#tokens;
  }

  has(token: string): boolean {
    return this.#ids.has(token);
  }

  /** The id of `token`; an unknown token follows the vocabulary's `unknown` policy. */
  id(token: string): number {
    const id = this.#ids.get(token);
    if (id !== undefined) return id;
    if (this.unknown === 'map') return UNKNOWN_ID;
    throw invalidArgument(this.#field, token, `a token of the vocabulary (${this.#describe()})`);
  }

  /** The ids of `tokens`, in order. */
  encode(tokens: Iterable<string>): Int32Array {
    return Int32Array.from(tokens, (token) => this.id(token));
  }

  /** The token of each id; the reserved ids decode to `PAD_TOKEN` and `UNKNOWN_TOKEN`. */
  decode(ids: Iterable<number>): string[] {
    return Array.from(ids, (id) => {
      if (id === PAD_ID) return PAD_TOKEN;
      if (id === UNKNOWN_ID) return UNKNOWN_TOKEN;
      const token = Number.isInteger(id) ? this.#tokens[id - UNKNOWN_ID - 1] : undefined;
      if (token === undefined) throw invalidArgument('id', id, `an integer in [0, ${this.size - 1}]`);
      return token;
    });
  }

  toJSON(): VocabularyJson {
    return { format: FORMAT, tokens: [...this.#tokens], unknown: this.unknown };
  }

  #describe(): string {
    const head = this.#tokens.slice(0, 8).map((t) => JSON.stringify(t));
    return `${this.#tokens.length} tokens: ${head.join(', ')}${this.#tokens.length > 8 ? ', …' : ''}`;
  }
}

function checkToken(token: unknown, field: string): void {
  if (typeof token !== 'string' || token === '') throw invalidArgument(field, token, 'a non-empty string');
  if (token === PAD_TOKEN || token === UNKNOWN_TOKEN) {
    throw invalidArgument(field, token, `any token but the reserved ${PAD_TOKEN} and ${UNKNOWN_TOKEN}`);
  }
}
