import { DockerfileParser, type Instruction } from 'dockerfile-ast';

/**
 * A Dockerfile split into its stages, and the chain of stages a target is built from, resolved the
 * way BuildKit resolves it: global `ARG`s (before the first `FROM`) with their defaults, overridden by
 * build arguments, expand in `FROM`; a `FROM` that names an earlier stage continues that stage's
 * filesystem and environment, anything else is an external image (the start of the chain).
 */

export interface Stage {
  readonly name: string | null;
  /** The `FROM` image as written, variables unexpanded. */
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

export interface ParsedDockerfile {
  readonly globalArgs: ReadonlyMap<string, string | undefined>;
  readonly stages: readonly Stage[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  const globalArgs = new Map<string, string | undefined>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) globalArgs.set(property.getName(), property.getValue() ?? undefined);
  }
  const stages: { name: string | null; from: string; instructions: Instruction[] }[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      const as = args.findIndex((a) => a.toUpperCase() === 'AS');
      stages.push({ name: as >= 0 ? (args[as + 1] ?? null) : null, from: args[0] ?? '', instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/**
 * Expands `$NAME`, `${NAME}` and `${NAME:-default}` as Dockerfile instructions do; an unset
 * variable expands to the empty string.
 */
export function expand(text: string, vars: ReadonlyMap<string, string | undefined>): string {
  return text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
      const value = vars.get(braced ?? bare ?? '');
      return value === undefined || (value === '' && fallback !== undefined) ? (fallback ?? '') : value;
    },
  );
}

/** The global `ARG` values a build sees: each default, replaced by a build argument of that name. */
export function globalValues(
  parsed: ParsedDockerfile,
  buildArgs: Readonly<Record<string, string>>,
): Map<string, string | undefined> {
  const values = new Map(parsed.globalArgs);
  for (const [name, value] of Object.entries(buildArgs)) if (values.has(name)) values.set(name, value);
  return values;
}

/** The stages `target` is built from, the first one `FROM` an external image, `target` last. */
export function stageChain(
  parsed: ParsedDockerfile,
  target: string,
  buildArgs: Readonly<Record<string, string>> = {},
): Stage[] {
  const values = globalValues(parsed, buildArgs);
  const chain: Stage[] = [];
  let index = parsed.stages.findIndex((s) => s.name === target);
  if (index < 0) throw new Error(`Dockerfile has no stage named ${target}`);
  while (index >= 0) {
    const stage = parsed.stages[index] as Stage;
    chain.unshift(stage);
    const image = expand(stage.from, values).toLowerCase();
    // Only an earlier stage can be a parent; a later one of the same name would be an image.
    index = parsed.stages.slice(0, index).findIndex((s) => s.name?.toLowerCase() === image);
  }
  return chain;
}
