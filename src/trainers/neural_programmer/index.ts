export {
  minRows,
  NEURAL_PROGRAMMER_DEFAULTS,
  NEURAL_PROGRAMMER_LIMITS,
  NEURAL_PROGRAMMER_SCHEMA,
  type NeuralProgrammerConfig,
} from './config.js';
export { neuralProgrammerTrainer } from './definition.js';
export { type EncodedBatch, encodeBatch, NUMBER_SLOTS, NUMBER_TOKEN, tableVocabulary } from './encode.js';
export { correctAnswers, huber, LOOKUP_EPSILON, programLoss } from './loss.js';
export { type Answers, type ModelShape, NeuralProgrammerModel, type Selection } from './model.js';
export {
  applyStep,
  initialState,
  mixPivots,
  OPERATIONS,
  type Operation,
  type OperationOutputs,
  operationOutputs,
  operationsFor,
  type ProgramState,
  type TableTensors,
} from './operations.js';
export { NeuralProgrammerSession, type Prediction } from './session.js';
export { type TableSplits, tableLayout, tableSplits, taskOptions, trainingQuestions } from './splits.js';
