import { describe } from 'vitest';

/**
 * The webgpu tests run on Mesa's lavapipe (a Vulkan driver on the CPU) where no GPU is present.
 * They need its environment in the test process (see `test/setup/lavapipe.ts`): without it they
 * skip, with the reason in the suite's name. CI sets `GRADNOISE_REQUIRE_WEBGPU=1`, which turns the
 * skip into a failure, so a broken lavapipe setup cannot pass CI quietly.
 */

/** Why the webgpu tests cannot run in this process, or null when they can. */
export function webGpuUnavailable(): string | null {
  if ((process.env.VK_ICD_FILENAMES ?? '') === '') {
    return 'lavapipe is not set up here: run scripts/lavapipe.sh once (the test setup then finds it)';
  }
  return null;
}

/** `describe` for a webgpu suite: skipped with the reason, or failing under GRADNOISE_REQUIRE_WEBGPU=1. */
export function describeWebGpu(name: string, body: () => void): void {
  const reason = webGpuUnavailable();
  if (reason !== null && process.env.GRADNOISE_REQUIRE_WEBGPU === '1') {
    throw new Error(`${name}: GRADNOISE_REQUIRE_WEBGPU=1 but ${reason}`);
  }
  if (reason === null) {
    describe(name, body);
    return;
  }
  // The summary line counts skipped tests without their names: say why once, plainly.
  console.warn(`skipping "${name}": ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}
