import { afterEach, describe, expect, it } from 'vitest';
import { compileConfig } from '../../../src/config.js';
import { dataRoots, isAllowedDataDir, setDataRoots } from '../../../src/data/index.js';
import { MLP_DEFAULTS, type MlpConfig, mlpTrainer } from '../../../src/trainers/mlp/index.js';

afterEach(() => {
  setDataRoots(null);
});

describe('data roots: the directories a client may name as training data', () => {
  it('allows any absolute directory until roots are set, then only the roots and what lies below them', () => {
    expect(dataRoots()).toBeNull();
    expect(isAllowedDataDir('/etc')).toBe(true);
    setDataRoots(['/usr/share/datasets', '/srv/data/']);
    expect(dataRoots()).toEqual(['/usr/share/datasets', '/srv/data']);
    for (const dir of [
      '/usr/share/datasets',
      '/usr/share/datasets/fashion-mnist',
      '/srv/data/a/b',
      '/srv/data/',
    ]) {
      expect(isAllowedDataDir(dir), dir).toBe(true);
    }
    for (const dir of [
      '/etc',
      '/usr/share',
      '/usr/share/datasets-other', // a sibling sharing the prefix
      '/usr/share/datasets/../../../etc', // normalised before the check
      '/srv/database',
    ]) {
      expect(isAllowedDataDir(dir), dir).toBe(false);
    }
    expect(() => setDataRoots(['relative'])).toThrow(/not absolute/);
  });

  it('makes StartRun-time compilation refuse an IDX directory outside the roots, naming the field and the roots', () => {
    setDataRoots(['/usr/share/datasets']);
    const compile = (dir: string) =>
      mlpTrainer.compile({ ...MLP_DEFAULTS, data: { source: 'idx', dir } } as MlpConfig);
    expect(compile('/usr/share/datasets/fashion-mnist').data).toEqual({
      source: 'idx',
      dir: '/usr/share/datasets/fashion-mnist',
    });
    expect(() => compile('/etc/ssl')).toThrow(
      expect.objectContaining({
        name: 'AppError',
        code: 'INVALID_ARGUMENT',
        message:
          'data.dir: got "/etc/ssl"; allowed: a directory in /usr/share/datasets (the server\'s GRADNOISE_DATA_ROOTS)',
      }),
    );
  });

  it('reads GRADNOISE_DATA_ROOTS: default /usr/share/datasets, a comma list of absolute paths, else an error naming it', () => {
    const base = { hostname: 'h', pid: 1 };
    expect(compileConfig({}, base).dataRoots).toEqual(['/usr/share/datasets']);
    expect(compileConfig({ GRADNOISE_DATA_ROOTS: ' /data , /mnt/sets/ ' }, base).dataRoots).toEqual([
      '/data',
      '/mnt/sets',
    ]);
    for (const bad of ['data', '/data,', '/data,relative']) {
      expect(() => compileConfig({ GRADNOISE_DATA_ROOTS: bad }, base), bad).toThrow(
        /^GRADNOISE_DATA_ROOTS: got .*; allowed: absolute directory paths separated by commas$/,
      );
    }
  });
});
