import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `npm run build:native` (also the postinstall) is optional where the addon cannot build: it says why
 * and exits 0, so `npm ci` succeeds and the service falls back to wasm. CI's
 * GRADNOISE_REQUIRE_NATIVE=1 makes the same failure exit 1.
 */

const SCRIPT = fileURLToPath(new URL('../../../scripts/build-native.mjs', import.meta.url));

/** Runs the script with no C compiler on PATH (only node's own directory). */
function runWithoutCompiler(env: Record<string, string>) {
  return spawnSync(process.execPath, [SCRIPT], {
    env: { PATH: '/nonexistent', HOME: process.env.HOME ?? '/', ...env },
    encoding: 'utf8',
  });
}

describe('scripts/build-native.mjs', () => {
  it('says what is missing and exits 0 when it cannot build', () => {
    const result = runWithoutCompiler({});
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      'build-native: not built: cc is not installed (needs a C compiler, make and python3). ' +
        'The native backend is unavailable; the service uses wasm.\n',
    );
  });

  it('exits 1 on the same failure under GRADNOISE_REQUIRE_NATIVE=1', () => {
    const result = runWithoutCompiler({ GRADNOISE_REQUIRE_NATIVE: '1' });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^build-native: not built: cc is not installed/);
  });

  it('does nothing under GRADNOISE_SKIP_NATIVE=1', () => {
    const result = runWithoutCompiler({ GRADNOISE_SKIP_NATIVE: '1', GRADNOISE_REQUIRE_NATIVE: '1' });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('build-native: skipped (GRADNOISE_SKIP_NATIVE=1)\n');
  });
});
