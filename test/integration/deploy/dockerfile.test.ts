import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';

/**
 * No Docker engine here, so the image is never built in CI. What can be checked without one is checked:
 * the linter of the VS Code Docker extension (dockerfile-utils) finds no problem, and the invariants the
 * deployment relies on hold (multi-stage, pinned CUDA base, VARIANT switch, non-root USER, gRPC
 * HEALTHCHECK, every COPY source exists and is in the build context).
 */

const ROOT = join(import.meta.dirname, '../../..');
const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);

/** The pinned pairing (docs/deployment.md): tfjs-node-gpu 4.22 → libtensorflow 2.9.1 → CUDA 11.2, cuDNN 8.1. */
const CUDA_IMAGE = 'nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04';

interface Stage {
  readonly name: string | null;
  readonly image: string;
  readonly instructions: Instruction[];
}

function stages(): Stage[] {
  const out: { name: string | null; image: string; instructions: Instruction[] }[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      const as = args.findIndex((a) => a.toUpperCase() === 'AS');
      out.push({ name: as >= 0 ? (args[as + 1] ?? null) : null, image: args[0] ?? '', instructions: [] });
    } else {
      out.at(-1)?.instructions.push(instruction);
    }
  }
  return out;
}

function globalArg(name: string): string | null | undefined {
  const arg = dockerfile.getInitialARGs().find((a) => a.getProperty()?.getName() === name);
  return arg?.getProperty()?.getValue();
}

/** A Dockerfile variable reference, `${name}`, as it stands in the file. */
const ref = (name: string): string => `\${${name}}`;

const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());

describe('Dockerfile', () => {
  it('passes the dockerfile-utils linter with no error or warning (and the linter does flag a broken file)', () => {
    const problems = validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
    expect(
      validate('FROM\nHEALTHCHECK --interval=soon CMD true\nEXPOSE port\n').length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('is multi-stage, and VARIANT picks the CUDA base (default) or node:20-bookworm-slim', () => {
    const all = stages();
    const names = all.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['build', 'runtime', 'base-gpu', 'base-cpu']));
    expect(globalArg('VARIANT')).toBe('gpu');
    expect(globalArg('CUDA_IMAGE')).toBe(CUDA_IMAGE);
    expect(globalArg('NODE_VERSION')).toBe('20');
    const byName = (n: string) => all.find((s) => s.name === n);
    expect(byName('base-gpu')?.image).toBe(ref('CUDA_IMAGE'));
    expect(byName('node')?.image).toBe(`node:${ref('NODE_VERSION')}-bookworm-slim`);
    expect(byName('base-cpu')?.image).toBe('node');
    expect(byName('build')?.image).toBe(`base-${ref('VARIANT')}`);
    expect(byName('runtime')?.image).toBe(`base-${ref('VARIANT')}`);
    expect(all.at(-1)?.name).toBe('runtime');
    // The variant decides which tfjs-node package is built; the other is removed.
    const envOf = (n: string) =>
      byName(n)
        ?.instructions.map((i) => i.getRawArgumentsContent() ?? '')
        .join(' ');
    expect(envOf('base-gpu')).toMatch(/GRADNOISE_TFJS_PACKAGE=@tensorflow\/tfjs-node-gpu\b/);
    expect(envOf('base-cpu')).toMatch(/GRADNOISE_TFJS_PACKAGE=@tensorflow\/tfjs-node\s/);
  });

  it('gives the GPU variant the Vulkan driver (WebGPU) besides CUDA, and the Vulkan loader', () => {
    const base = stages().find((s) => s.name === 'base-gpu');
    const env = base?.instructions
      .filter((i) => i.getKeyword() === 'ENV')
      .map((i) => i.getRawArgumentsContent());
    const caps =
      env
        ?.join(' ')
        .match(/NVIDIA_DRIVER_CAPABILITIES=(\S+)/)?.[1]
        ?.split(',') ?? [];
    // The NVIDIA Container Toolkit mounts only these driver parts: graphics = the Vulkan ICD.
    expect(caps).toEqual(expect.arrayContaining(['graphics', 'compute', 'utility']));
    const runs = base?.instructions
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getRawArgumentsContent());
    expect(runs?.join(' ')).toMatch(/apt-get install[^&]*\blibvulkan1\b/);
    expect(
      stages()
        .find((s) => s.name === 'base-cpu')
        ?.instructions.map((i) => i.getRawArgumentsContent()),
    ).not.toContainEqual(expect.stringContaining('NVIDIA_DRIVER_CAPABILITIES'));
  });

  it('installs with npm ci, builds, and runs as a non-root numeric user with a gRPC HEALTHCHECK', () => {
    const runtime = stages().at(-1);
    const build = stages().find((s) => s.name === 'build');
    const buildRuns = build?.instructions
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getRawArgumentsContent());
    expect(buildRuns?.join('\n')).toMatch(/npm ci /);
    expect(buildRuns?.join('\n')).toMatch(/npm run build/);

    const users = runtime?.instructions.filter((i) => i.getKeyword() === 'USER').map(args) ?? [];
    expect(users).toHaveLength(1);
    const [uid, gid] = (users[0]?.[0] ?? '').split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(gid)).toBeGreaterThan(0);

    const health = dockerfile.getHEALTHCHECKs();
    expect(health).toHaveLength(1);
    expect(health[0]?.getRawArgumentsContent()).toContain('"/app/scripts/healthcheck.mjs"');
    expect(existsSync(join(ROOT, 'scripts/healthcheck.mjs'))).toBe(true);

    const cmd = runtime?.instructions.find((i) => i.getKeyword() === 'CMD');
    expect(cmd?.getRawArgumentsContent()).toBe('["node", "dist/src/main.js"]');
    expect(existsSync(join(ROOT, 'src/main.ts'))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      optionalDependencies: Record<string, string>;
    };
    expect(pkg.scripts.build).toContain('tsconfig.build.json');
    expect(pkg.optionalDependencies['@tensorflow/tfjs-node-gpu']).toBe('4.22.0');
    expect(pkg.optionalDependencies['@tensorflow/tfjs-node']).toBe('4.22.0');
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const stageNames = stages().map((s) => s.name);
    const copies: string[] = [];
    for (const copy of dockerfile.getCOPYs()) {
      // getFromFlag() misses --from when other flags follow it; read the flags themselves.
      const from = copy.getFlags().find((f) => f.getName() === 'from');
      const sources = copy
        .getArguments()
        .map((a) => a.getValue())
        .slice(0, -1);
      if (from) expect(stageNames, `COPY --from=${from.getValue()}`).toContain(from.getValue());
      else copies.push(...sources);
    }
    expect(copies.length).toBeGreaterThan(5);
    for (const source of copies) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      const path = source.replace(/\/$/, '');
      expect(
        allowed.some((a) => path === a || path.startsWith(`${a}/`)),
        `${source} is excluded by .dockerignore`,
      ).toBe(true);
    }
  });
});
