import { describe, expect, it } from 'vitest';
import { encodeTrainerInfo } from '../../../src/server/codec/trainer-info.js';
import { builtinTrainers } from '../../../src/trainers/index.js';
import { phasedTrainer } from '../runs/fixtures/phased-trainer.js';

describe('ListTrainers entry', () => {
  it('lists a trainer’s phases in order, and none for a trainer without phases', () => {
    expect(encodeTrainerInfo(phasedTrainer, { trainer: 'phased' }).phases).toEqual([
      'linear_start',
      'default',
    ]);
    expect(encodeTrainerInfo(builtinTrainers.get('mlp'), { trainer: 'mlp' }).phases).toEqual([]);
  });
});
