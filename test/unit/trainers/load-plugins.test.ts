import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';
import { BUILTIN_TRAINERS, loadTrainerRegistry } from '../../../src/trainers/index.js';

const REPO = join(import.meta.dirname, '../../..');
const EXAMPLE = './examples/plugin-trainer/index.js';
const BUILTIN_NAMES = BUILTIN_TRAINERS.map((t) => t.name);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradnoise-plugins-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `files` (relative path → text) under the temp dir and returns its absolute paths. */
function write(files: Readonly<Record<string, string>>): string[] {
  return Object.entries(files).map(([path, text]) => {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  });
}

/** A module whose default export defines one trainer `name`, cloned from smoke's declaration. */
function trainerModule(name: string, extra = ''): string {
  return `export default (api) => [api.defineTrainer({
  name: ${JSON.stringify(name)}, description: 'test', paperSection: '',
  schema: { size: { kind: 'int', default: 2, min: 1, max: 9, doc: 'size' } },
  metrics: [{ name: 'loss', when: 'step', direction: 'min', doc: 'loss' }${extra}],
  defaultMaxSteps: 5, defaultNoise: { eta: 0.01, gamma: 0.55 },
  stepsPerEpoch: () => 1, examplesPerStep: () => 1, create: async () => { throw new Error('no'); },
})];\n`;
}

const load = (specifiers: string[], baseDir = REPO) => loadTrainerRegistry({ specifiers, baseDir });

describe('loadTrainerRegistry', () => {
  it('is the built-ins alone without modules', async () => {
    expect((await load([])).list().map((t) => t.name)).toEqual(BUILTIN_NAMES);
  });

  it('loads the example plugin by a path relative to the base directory, after the built-ins', async () => {
    const trainers = await load([EXAMPLE]);
    expect(trainers.list().map((t) => t.name)).toEqual([...BUILTIN_NAMES, 'logreg']);
    const spec = compileRunSpec(
      { trainer: 'logreg', trainerConfig: { batchSize: 8 } },
      ANY_DATA_DIR,
      trainers,
    );
    expect(spec.trainerConfig).toEqual({ inputs: 8, batchSize: 8, trainSize: 1024, testSize: 512, l2: 0 });
    expect(spec.optimizer).toEqual({ kind: 'sgd', learningRate: 0.5 });
    expect(() =>
      compileRunSpec({ trainer: 'logreg', trainerConfig: { l2: 2 } }, ANY_DATA_DIR, trainers),
    ).toThrow('logreg.l2: got 2; allowed: a number in [0, 1]');
  });

  it('loads a package by name from node_modules under the base directory', async () => {
    const base = join(dir, 'service');
    mkdirSync(join(base, 'node_modules'), { recursive: true });
    symlinkSync(join(REPO, 'examples/plugin-trainer'), join(base, 'node_modules/gradnoise-plugin-logreg'));
    const trainers = await load(['gradnoise-plugin-logreg'], base);
    expect(trainers.has('logreg')).toBe(true);
  });

  it('refuses a module that would load a second copy of tfjs, naming it, without importing it', async () => {
    const [plugin] = write({
      'second-tfjs/index.mjs': "throw new Error('imported');\n",
      'second-tfjs/node_modules/@tensorflow/tfjs/package.json':
        '{"name":"@tensorflow/tfjs","main":"tfjs.js"}',
      'second-tfjs/node_modules/@tensorflow/tfjs/tfjs.js': 'module.exports = {};\n',
    });
    await expect(load([plugin as string])).rejects.toThrow(
      new RegExp(
        `^trainer module ${plugin}: it would load a second copy of @tensorflow/tfjs \\(${dir}/second-tfjs/node_modules/@tensorflow/tfjs/tfjs\\.js\\) instead of the service's .*peerDependency`,
      ),
    );
  });

  it.each([
    ['a missing file', './examples/no-such-plugin.js', 'no such file: '],
    ['a missing package', 'no-such-gradnoise-plugin', 'cannot be resolved from '],
  ])('refuses %s, naming the module', async (_, specifier, reason) => {
    await expect(load([specifier])).rejects.toThrow(`trainer module ${specifier}: ${reason}`);
  });

  it.each([
    ['throws at import', "throw new Error('boom at import');\n", 'failed to load: boom at import'],
    [
      'has no default export',
      'export const trainers = [];\n',
      'its default export is undefined, not a function',
    ],
    [
      'returns no trainers',
      'export default () => [];\n',
      'its default export returned an array of 0, not a non-empty array',
    ],
    [
      'returns a hand-made object',
      "export default () => [{ name: 'x' }];\n",
      'item 0 of its trainers is object',
    ],
    ['throws in its factory', "export default () => { throw new Error('no api'); };\n", 'no api'],
    [
      'declares a metric twice',
      trainerModule('toy', ", { name: 'loss', when: 'evaluation', direction: 'min', doc: 'x' }"),
      'trainer toy: metric loss is declared both per step and per evaluation',
    ],
    [
      'leaves out create',
      trainerModule('toy').replace("create: async () => { throw new Error('no'); },", ''),
      'trainer toy: create must be a function',
    ],
    [
      'clashes with a built-in',
      trainerModule('smoke'),
      'trainer smoke is already defined by a built-in trainer',
    ],
  ])('refuses a module that %s, naming it and the error', async (name, text, reason) => {
    const [file] = write({ [`${name.replaceAll(' ', '-')}.mjs`]: text });
    await expect(load([file as string])).rejects.toThrow(`trainer module ${file}: ${reason}`);
  });

  it('refuses a trainer name two modules define, naming both', async () => {
    const [first, second] = write({ 'a/toy.mjs': trainerModule('toy'), 'b/toy.mjs': trainerModule('toy') });
    await expect(load([first as string, second as string])).rejects.toThrow(
      `trainer module ${second}: trainer toy is already defined by trainer module ${first}`,
    );
  });
});
