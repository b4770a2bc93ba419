import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest globalSetup: finds the lavapipe folder `scripts/lavapipe.sh` prepared (its `env.json`) and
 * puts its `VK_ICD_FILENAMES` and `LD_LIBRARY_PATH` into this process's environment before the
 * test processes are forked, so they inherit both. `LD_LIBRARY_PATH` has to be there when a
 * process starts (the dynamic loader reads it once), which is why it is set here and not in a test.
 *
 * Nothing happens when `VK_ICD_FILENAMES` is set already (CI evaluates the script's
 * `--print-env`), or when the folder was never prepared: the webgpu tests then skip and say why
 * (`test/helpers/webgpu.ts`), unless `GRADNOISE_REQUIRE_WEBGPU=1` makes them fail instead.
 */
export default function setup(): void {
  if ((process.env.VK_ICD_FILENAMES ?? '') !== '') return;
  const dir =
    process.env.GRADNOISE_LAVAPIPE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'gradnoise', 'lavapipe');
  const file = join(dir, 'env.json');
  if (!existsSync(file)) return;
  const env = JSON.parse(readFileSync(file, 'utf8')) as { VK_ICD_FILENAMES: string; LD_LIBRARY_PATH: string };
  if (!existsSync(env.VK_ICD_FILENAMES)) return;
  process.env.VK_ICD_FILENAMES = env.VK_ICD_FILENAMES;
  const inherited = process.env.LD_LIBRARY_PATH ?? '';
  process.env.LD_LIBRARY_PATH =
    inherited === '' ? env.LD_LIBRARY_PATH : `${env.LD_LIBRARY_PATH}:${inherited}`;
}
