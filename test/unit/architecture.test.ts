import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The layer rules of `.dependency-cruiser.cjs` (run by `npm run lint`) bite: each test lays out a
 * small src/ tree in a temporary directory and runs the real CLI with the project's config on it.
 * A config whose resolution silently failed (e.g. `.js` specifiers not mapped to `.ts` files) would
 * let every rule pass; these tests would then fail.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

interface CruiseOutcome {
  readonly code: number;
  readonly output: string;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Writes `files` (path under the tree -> source) plus a NodeNext tsconfig, then cruises `src`. */
async function cruise(files: Readonly<Record<string, string>>): Promise<CruiseOutcome> {
  const dir = await mkdtemp(join(tmpdir(), 'gradnoise-arch-'));
  dirs.push(dir);
  const tsconfig = { compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  for (const [path, source] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), source);
  }
  return new Promise((resolvePromise) => {
    execFile(DEPCRUISE, ['src', '--config', CONFIG], { cwd: dir }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolvePromise({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('architecture rules (.dependency-cruiser.cjs)', () => {
  it('passes a tree that follows the layers (so a failure below is the rule, not the harness)', async () => {
    const outcome = await cruise({
      'src/core/spec.ts': 'export const a = 1;\n',
      'src/runs/use.ts': "import { a } from '../core/spec.js';\nexport const b = a;\n",
      'src/server/handler.ts': "import { b } from '../runs/use.js';\nexport const c = b;\n",
    });
    expect(outcome.output).toContain('no dependency violations');
    expect(outcome.code).toBe(0);
  });

  it('fails an upward import, naming the rule and both files', async () => {
    const outcome = await cruise({
      'src/server/handler.ts': 'export const c = 1;\n',
      'src/core/spec.ts': "import { c } from '../server/handler.js';\nexport const a = c;\n",
    });
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toContain('layer-core: src/core/spec.ts → src/server/handler.ts');
  });

  it('counts a type-only import (store may not import runs)', async () => {
    const outcome = await cruise({
      'src/runs/spec.ts': 'export interface RunSpec { readonly trainer: string }\n',
      'src/store/runs.ts': "import type { RunSpec } from '../runs/spec.js';\nexport type Row = RunSpec;\n",
    });
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toContain('layer-store: src/store/runs.ts → src/runs/spec.ts');
  });

  it('fails a cycle between two files of one folder', async () => {
    const outcome = await cruise({
      'src/sweeps/read.ts': "import { thin } from './thin.js';\nexport const read = () => thin;\n",
      'src/sweeps/thin.ts': "import { read } from './read.js';\nexport const thin = () => read;\n",
    });
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toContain('no-circular');
  });

  it('fails an import from a folder that has no place in the layers', async () => {
    const outcome = await cruise({
      'src/core/spec.ts': 'export const a = 1;\n',
      'src/misc/helper.ts': "import { a } from '../core/spec.js';\nexport const b = a;\n",
    });
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toContain('no-unplaced-folder');
  });

  it('fails an import of ours that does not resolve', async () => {
    const outcome = await cruise({ 'src/core/spec.ts': "import './missing.js';\nexport const a = 1;\n" });
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toContain('not-to-unresolvable');
  });

  it('checks imports of generated code (data may not import the Prisma client)', async () => {
    const outcome = await cruise({
      'src/generated/prisma/client.ts': 'export const prisma = 1;\n',
      'src/data/types.ts':
        "import { prisma } from '../generated/prisma/client.js';\nexport const a = prisma;\n",
    });
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toContain('layer-data: src/data/types.ts → src/generated/prisma/client.ts');
  });

  it('fails a backend-free layer that loads tfjs, even through a module of another layer', async () => {
    const outcome = await cruise({
      'node_modules/@tensorflow/tfjs/package.json': '{"name":"@tensorflow/tfjs","main":"index.js"}\n',
      'node_modules/@tensorflow/tfjs/index.js': 'export const tensor = 1;\n',
      'src/core/tensors.ts': "import { tensor } from '@tensorflow/tfjs';\nexport const t = tensor;\n",
      'src/checkpoint/layout.ts': "import { t } from '../core/tensors.js';\nexport const layout = t;\n",
    });
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toMatch(
      /no-tfjs-in-backend-free-layers: src\/checkpoint\/layout\.ts → node_modules\/@tensorflow\/tfjs/,
    );
  });

  it('gives every folder of src/ a layer', async () => {
    const config = createRequire(import.meta.url)(CONFIG) as { forbidden: readonly { name: string }[] };
    const layers = config.forbidden.map((rule) => rule.name).filter((name) => name.startsWith('layer-'));
    const folders = (await readdir(join(ROOT, 'src'), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => `layer-${entry.name}`);
    expect(folders.filter((folder) => !layers.includes(folder))).toEqual([]);
  });
});

describe('README architecture table', () => {
  it('lists exactly the layers and imports of .dependency-cruiser.cjs', async () => {
    const { readFile } = await import('node:fs/promises');
    const config = createRequire(import.meta.url)(CONFIG) as {
      forbidden: readonly { name: string; to: { pathNot?: readonly string[] } }[];
    };
    const fromConfig = config.forbidden
      .filter((rule) => rule.name.startsWith('layer-'))
      .map((rule) => {
        const may = (rule.to.pathNot ?? [])
          .slice(1)
          .map((path) => path.replace(/^\^src\//, '').replace(/\/$/, ''));
        return [rule.name.slice('layer-'.length), may.length === 0 ? 'nothing of ours' : may.join(', ')];
      });
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const fromReadme = [...readme.matchAll(/^\| `([a-z_]+)` +\| (.+?) +\|$/gm)].map((row) => [
      row[1] ?? '',
      (row[2] ?? '').replaceAll('`', ''),
    ]);
    expect(fromReadme).toEqual(fromConfig);
  });
});
