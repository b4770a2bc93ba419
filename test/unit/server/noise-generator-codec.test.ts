import { describe, expect, it } from 'vitest';
import { buildRunRequest } from '../../../src/cli/run-request.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import type { StartRunRequest } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import { loadApi } from '../../../src/protocol/proto.js';
import { compileRunSpec } from '../../../src/runs/index.js';
import { decodeStartRun, encodeSpec } from '../../../src/server/codec/index.js';

/** `noise.generator` from the CLI flag through the wire to the compiled run spec, and back. */

const api = loadApi();
const method = api.grpc.gradnoise.v1.TrainingService.service.StartRun;
const wire = (request: StartRunRequest) => method.requestDeserialize(method.requestSerialize(request));
const compile = (request: StartRunRequest) =>
  compileRunSpec(decodeStartRun(wire(request)).request, ANY_DATA_DIR);

describe('the noise.generator codec', () => {
  it.each([
    ['box-muller', 'NOISE_GENERATOR_BOX_MULLER'],
    ['ziggurat', 'NOISE_GENERATOR_ZIGGURAT'],
    ['philox', 'NOISE_GENERATOR_PHILOX'],
  ] as const)('--noise-generator %s is %s on the wire and in the spec, and round-trips', (flag, name) => {
    const request = buildRunRequest(api.definition, { trainer: 'smoke', noiseGenerator: flag, set: [] });
    expect(request.noise?.generator).toBe(name);
    const spec = compile(request);
    expect(spec.noise.generator).toBe(flag);
    expect(encodeSpec(spec).noise?.generator).toBe(name);
    expect(compile(encodeSpec(spec))).toEqual(spec);
  });

  it('refuses an unknown generator, naming the field and what is allowed', () => {
    expect(() =>
      buildRunRequest(api.definition, { trainer: 'smoke', noiseGenerator: 'polar', set: [] }),
    ).toThrow(/--noise-generator: got "polar"; allowed: one of box_muller, ziggurat, philox$/);
    const request = { trainer: 'smoke', noise: { generator: 5 as unknown as 'NOISE_GENERATOR_PHILOX' } };
    expect(() => decodeStartRun(wire(request))).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^noise\.generator: got 5/),
      }),
    );
  });
});
