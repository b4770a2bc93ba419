#!/usr/bin/env node
/**
 * Builds the native addon (native/: plain C over CBLAS, linked to OpenBLAS) into
 * native/build/Release/gradnoise_native.node, for the `native` backend.
 *
 * Offline by construction: node-gyp (the copy bundled with npm) is pointed at the Node headers
 * already on the machine (`--nodedir`, default /usr, where Debian's nodejs puts include/node), so
 * it never downloads a header tarball. Proxies are set to a closed port for the build, so an
 * attempt to reach the network fails at once instead of waiting.
 *
 * Optional by design: when something is missing (no C compiler, no make, no python3 for gyp, no
 * Node headers, no OpenBLAS headers, no node-gyp) it says what and exits 0, and the service falls
 * back to wasm at start with the reason. With GRADNOISE_REQUIRE_NATIVE=1 (CI, the image) a failed
 * build exits 1; GRADNOISE_SKIP_NATIVE=1 skips the build altogether.
 *
 *   node scripts/build-native.mjs        (npm run build:native; also run by postinstall)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const required = process.env.GRADNOISE_REQUIRE_NATIVE === '1';

function giveUp(reason) {
  console.log(
    `build-native: not built: ${reason}. The native backend is unavailable; the service uses wasm.`,
  );
  process.exit(required ? 1 : 0);
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** node-gyp: the copy inside npm (no package of ours), found from the running npm or its usual places. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath)
    candidates.push(
      join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    );
  candidates.push(
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  );
  candidates.push('/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  candidates.push('/usr/share/nodejs/node-gyp/bin/node-gyp.js');
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package: the bundled copies above are the usual ones
  }
  return candidates.find((path) => existsSync(path));
}

/** The directory holding include/node/node_api.h: GRADNOISE_NODEDIR, npm_config_nodedir, or next to node. */
function findNodeDir() {
  const candidates = [
    process.env.GRADNOISE_NODEDIR,
    process.env.npm_config_nodedir,
    join(dirname(process.execPath), '..'),
    '/usr',
    '/usr/local',
  ];
  return candidates.find((dir) => dir && existsSync(join(dir, 'include', 'node', 'node_api.h')));
}

function hasOpenBlas() {
  const probe = spawnSync('cc', ['-E', '-x', 'c', '-'], {
    input: '#include <cblas.h>\n',
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  return probe.status === 0;
}

if (process.env.GRADNOISE_SKIP_NATIVE === '1') {
  console.log('build-native: skipped (GRADNOISE_SKIP_NATIVE=1)');
  process.exit(0);
}
for (const tool of ['cc', 'make', 'python3']) {
  if (!onPath(tool)) giveUp(`${tool} is not installed (needs a C compiler, make and python3)`);
}
const nodeGyp = findNodeGyp();
if (nodeGyp === undefined) giveUp('node-gyp was not found (it comes with npm)');
const nodeDir = findNodeDir();
if (nodeDir === undefined)
  giveUp('no Node headers (include/node/node_api.h); set GRADNOISE_NODEDIR to the directory above include/');
if (!hasOpenBlas()) giveUp('no cblas.h: install libopenblas-dev');

const offline = {
  ...process.env,
  http_proxy: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  HTTP_PROXY: 'http://127.0.0.1:9',
  HTTPS_PROXY: 'http://127.0.0.1:9',
};
const build = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`], {
  cwd: nativeDir,
  env: offline,
  encoding: 'utf8',
});
if (build.status !== 0) {
  process.stdout.write(build.stdout ?? '');
  process.stderr.write(build.stderr ?? '');
  giveUp(`node-gyp failed (exit ${build.status})`);
}
console.log(
  `build-native: built ${join(nativeDir, 'build', 'Release', 'gradnoise_native.node')} (Node headers from ${nodeDir})`,
);
