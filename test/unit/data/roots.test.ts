import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileConfig } from '../../../src/config.js';
import {
  ANY_DATA_DIR,
  allowsDataPath,
  checkDataPath,
  type DataRootPolicy,
  dataRootPolicy,
} from '../../../src/data/index.js';

const policy = dataRootPolicy(['/usr/share/datasets', '/srv/data/'], 'GRADNOISE_DATA_ROOTS');

describe('data root policy: the directories a client may name as training data', () => {
  it('allows the roots and what lies below them, normalised', () => {
    expect(policy.roots).toEqual(['/usr/share/datasets', '/srv/data']);
    for (const path of [
      '/usr/share/datasets',
      '/usr/share/datasets/',
      '/usr/share/datasets/fashion-mnist',
      '/srv/data/a/b',
      '/srv/data/a/../b', // `..` that stays inside
      '/srv/data/./a',
    ]) {
      expect(allowsDataPath(policy, path), path).toBe(true);
    }
  });

  it('refuses siblings sharing a prefix, escapes through `..`, parents and relative paths', () => {
    for (const path of [
      '/etc',
      '/usr/share',
      '/usr/share/datasets2', // a sibling sharing the prefix: compared by whole segments
      '/usr/share/datasets-other',
      '/srv/database',
      '/usr/share/datasets/../../../etc', // normalised before the check
      '/srv/data/..',
      'srv/data/a', // relative: never allowed, whatever the working directory
      'usr/share/datasets',
      '',
    ]) {
      expect(allowsDataPath(policy, path), path).toBe(false);
    }
  });

  it('is lexical: links are not resolved, so an operator link inside a root is followed and one outside is not', async () => {
    const base = await mkdtemp(join(tmpdir(), 'gradnoise-roots-'));
    try {
      const root = join(base, 'root');
      const outside = join(base, 'outside');
      await mkdir(root);
      await mkdir(outside);
      await symlink(outside, join(root, 'to-outside'));
      await symlink(root, join(outside, 'to-root'));
      const only = dataRootPolicy([root], 'test');
      expect(allowsDataPath(only, join(root, 'to-outside'))).toBe(true);
      expect(allowsDataPath(only, join(outside, 'to-root'))).toBe(false);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('refuses with INVALID_ARGUMENT naming the field, the path as given, the roots and the policy', () => {
    expect(() => checkDataPath(policy, 'data.dir', '/etc/../etc/ssl')).toThrow(
      expect.objectContaining({
        name: 'AppError',
        code: 'INVALID_ARGUMENT',
        message:
          'data.dir: got "/etc/../etc/ssl"; allowed: a directory in /usr/share/datasets, /srv/data ' +
          "(the server's data root policy, GRADNOISE_DATA_ROOTS)",
      }),
    );
    expect(() => checkDataPath(policy, 'data.dir', '/srv/data/x')).not.toThrow();
    const none = dataRootPolicy([], 'test');
    expect(() => checkDataPath(none, 'data.dir', '/srv/data')).toThrow(
      'data.dir: got "/srv/data"; allowed: no directory (the server\'s data root policy, test, allows none)',
    );
  });

  it('needs absolute roots; the library default allows any absolute path and nothing relative', () => {
    expect(() => dataRootPolicy(['relative'], 'test')).toThrow(/not absolute/);
    expect(allowsDataPath(ANY_DATA_DIR, '/etc')).toBe(true);
    expect(allowsDataPath(ANY_DATA_DIR, 'etc')).toBe(false);
  });

  it('is frozen plain data that means the same after a structured clone (how a worker receives it)', () => {
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.roots)).toBe(true);
    const cloned: DataRootPolicy = structuredClone(policy);
    expect(cloned).toEqual(policy);
    expect(allowsDataPath(cloned, '/srv/data/a')).toBe(true);
    expect(allowsDataPath(cloned, '/srv/database')).toBe(false);
  });

  it('is compiled from GRADNOISE_DATA_ROOTS: default /usr/share/datasets, a comma list of absolute paths, else an error naming it', () => {
    const base = { hostname: 'h', pid: 1 };
    expect(compileConfig({}, base).dataRoots).toEqual({
      roots: ['/usr/share/datasets'],
      source: 'GRADNOISE_DATA_ROOTS',
    });
    expect(compileConfig({ GRADNOISE_DATA_ROOTS: ' /data , /mnt/sets/ ' }, base).dataRoots.roots).toEqual([
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
