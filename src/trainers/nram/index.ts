export { type CircuitLayout, circuitLayout, controllerOutputs } from './circuit.js';
export { compileNramConfig, NRAM_DEFAULTS, NRAM_LIMITS, type NramConfig } from './config.js';
export { Controller, type ControllerKind, type OutputLayer } from './controller.js';
export {
  type CurriculumOptions,
  type CurriculumState,
  initialCurriculum,
  sampleLengths,
  updateCurriculum,
} from './curriculum.js';
export { NRAM_EXAMPLES_PER_EPOCH, nramTrainer } from './definition.js';
export { GATES, type GateName, GateSet, integerGate, readMemory, writeMemory } from './gates.js';
export { LOG_CLAMP, NramMachine, type NramRun, type NramShape } from './machine.js';
export { NramSession } from './session.js';
