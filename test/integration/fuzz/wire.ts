import type { PackageDefinition } from '@grpc/proto-loader';
import { mulberry32 } from '../../helpers/random.js';

/** A small seeded generator (mulberry32): the same seed gives the same requests. */
export class Random {
  private readonly uniform: () => number;
  constructor(seed: number) {
    this.uniform = mulberry32(seed);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.uniform();
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

interface FieldShape {
  readonly number: number;
  readonly label: string;
  readonly type: string;
  readonly typeName: string;
}
interface MessageShape {
  readonly field: readonly FieldShape[];
  readonly nestedType: readonly (MessageShape & { readonly name: string; readonly options: unknown })[];
}

// Wire types.
const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

function varint(value: bigint): Buffer {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Buffer.from(out);
}
const tag = (field: number, wire: number): Buffer => varint(BigInt(field) * 8n + BigInt(wire));
/** A varint field (an integer, bool or enum) with its tag. */
export const varintField = (field: number, value: bigint): Buffer =>
  Buffer.concat([tag(field, VARINT), varint(value)]);
/** A length-delimited field (a nested message, string or bytes) with its tag. */
export const delimited = (field: number, body: Buffer): Buffer =>
  Buffer.concat([tag(field, BYTES), varint(BigInt(body.length)), body]);

/** Integers worth trying in any integer field: edges of every width, signed and not. */
export const INTEGERS: readonly bigint[] = [
  0n,
  1n,
  -1n,
  2n,
  3n,
  7n,
  10n,
  30n,
  100n,
  1000n,
  65_536n,
  10_000_000n,
  10_000_001n,
  2n ** 31n - 1n,
  2n ** 31n,
  -(2n ** 31n),
  2n ** 32n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  2n ** 64n - 1n,
];
const DOUBLES: readonly number[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  0.01,
  0.55,
  1e-300,
  1e300,
  5e-324,
  Number.MAX_VALUE,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
];

/**
 * Hostile protobuf requests, written at the wire level from the message descriptors so anything
 * can be sent: right and wrong wire types, 64-bit extremes and negative varints, NaN and ±∞,
 * empty, huge and invalid-UTF-8 strings, unknown enum numbers and field numbers, oversize maps
 * and repeated fields, nested messages, and truncated or random bytes.
 */
export class HostileRequests {
  constructor(
    private readonly definition: PackageDefinition,
    private readonly random: Random,
    /** Strings worth trying besides random ones (trainer names, known ids, field paths, …). */
    private readonly strings: () => readonly string[],
  ) {}

  /** A request for `typeName` (e.g. `gradnoise.v1.StartRunRequest`) in one of several shapes. */
  request(typeName: string, validBase?: Buffer): Buffer {
    const r = this.random;
    const roll = r.next();
    if (roll < 0.05) return Buffer.alloc(0);
    if (roll < 0.15) return r.bytes(r.int(64) + 1);
    const message = this.message(typeName, 0);
    if (roll < 0.3) return message.subarray(0, r.int(Math.max(1, message.length)));
    // A valid request with hostile fields appended: scalars later on the wire win in protobuf.
    if (validBase !== undefined && roll < 0.65) return Buffer.concat([validBase, message]);
    return message;
  }

  private message(typeName: string, depth: number, shape?: MessageShape): Buffer {
    const type = shape ?? this.shape(typeName);
    const r = this.random;
    const parts: Buffer[] = [];
    for (const field of type.field) {
      if (!r.chance(depth === 0 ? 0.6 : 0.4)) continue;
      const repeated = field.label === 'LABEL_REPEATED';
      const count = repeated ? r.pick([0, 1, 2, 3, 33, 200]) : 1;
      for (let i = 0; i < count; i++) parts.push(this.field(typeName, type, field, depth));
    }
    if (r.chance(0.05)) {
      // An unknown field number with any wire type.
      parts.push(Buffer.concat([tag(1000 + r.int(5000), r.pick([VARINT, FIXED64, FIXED32])), r.bytes(8)]));
    }
    return Buffer.concat(parts);
  }

  private field(scope: string, type: MessageShape, field: FieldShape, depth: number): Buffer {
    const r = this.random;
    const n = field.number;
    if (r.chance(0.08)) {
      // The wrong wire type for this field.
      return r.chance(0.5)
        ? Buffer.concat([tag(n, VARINT), varint(r.pick(INTEGERS))])
        : delimited(n, r.bytes(r.int(16)));
    }
    switch (field.type) {
      case 'TYPE_STRING':
      case 'TYPE_BYTES':
        return delimited(n, this.text());
      case 'TYPE_DOUBLE': {
        const b = Buffer.alloc(8);
        b.writeDoubleLE(r.chance(0.7) ? r.pick(DOUBLES) : (r.next() - 0.5) * 10 ** r.int(12));
        return Buffer.concat([tag(n, FIXED64), b]);
      }
      case 'TYPE_FLOAT': {
        const b = Buffer.alloc(4);
        b.writeFloatLE(r.pick(DOUBLES));
        return Buffer.concat([tag(n, FIXED32), b]);
      }
      case 'TYPE_BOOL':
        return Buffer.concat([tag(n, VARINT), varint(r.pick([0n, 1n, 2n, 2n ** 64n - 1n]))]);
      case 'TYPE_ENUM':
        return Buffer.concat([
          tag(n, VARINT),
          varint(r.pick([0n, 1n, 2n, 3n, 4n, 5n, 6n, 99n, -1n, 2n ** 31n - 1n])),
        ]);
      case 'TYPE_MESSAGE': {
        const nested = type.nestedType.find((t) => t.name === field.typeName);
        if (nested !== undefined) return delimited(n, this.message(scope, depth + 1, nested)); // a map entry
        if (depth >= 3) return delimited(n, Buffer.alloc(0));
        return delimited(n, this.message(this.qualify(scope, field.typeName), depth + 1));
      }
      default:
        return Buffer.concat([tag(n, VARINT), varint(r.chance(0.6) ? r.pick(INTEGERS) : BigInt(r.int(100)))]);
    }
  }

  private text(): Buffer {
    const r = this.random;
    const roll = r.next();
    if (roll < 0.45) return Buffer.from(r.pick(this.strings()), 'utf8');
    if (roll < 0.55) return Buffer.from('x'.repeat(r.pick([65, 129, 257, 513, 5000, 100_000])), 'utf8');
    if (roll < 0.65) return Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]); // invalid UTF-8
    if (roll < 0.7) return Buffer.from('\u0000nul\u0000', 'utf8');
    if (roll < 0.75) return Buffer.from('ünïcødé ✓ 🚀', 'utf8');
    return Buffer.from(r.bytes(r.int(24)).toString('base64url'), 'utf8');
  }

  private shape(typeName: string): MessageShape {
    const entry = this.definition[typeName];
    if (entry === undefined || !('format' in entry)) throw new Error(`no message type ${typeName}`);
    return entry.type as unknown as MessageShape;
  }

  /** `SmokeConfig` seen from `gradnoise.v1.StartRunRequest` is `gradnoise.v1.SmokeConfig`. */
  private qualify(scope: string, typeName: string): string {
    if (typeName.startsWith('.')) return typeName.slice(1);
    const pkg = scope.slice(0, scope.lastIndexOf('.'));
    const local = `${pkg}.${typeName}`;
    if (this.definition[local] !== undefined) return local;
    return typeName;
  }
}
