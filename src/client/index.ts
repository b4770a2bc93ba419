/**
 * The wire side shared by every gRPC party of gradnoise (the CLI, tests, other Node clients, and the
 * server's own proto loading): where the protos live, the loader options the generated types match,
 * typed promise clients of both services, and field paths into messages. Depends on nothing of the
 * server.
 */

export {
  type ConfigFieldNode,
  type ConfigPath,
  parseConfigValue,
  resolveConfigPath,
  setConfigValue,
} from '../protocol/config-path.js';
export {
  type FieldPath,
  type FieldValue,
  parseFieldValue,
  resolveFieldPath,
  type ScalarKind,
  setFieldValue,
} from '../protocol/field-path.js';
export { API_PROTO_FILES, LOADER_OPTIONS, type LoadedApi, loadApi, PROTO_ROOT } from '../protocol/proto.js';
export { type Json, jsonToStruct, structToJson } from '../protocol/struct.js';
export {
  bearerMetadata,
  type Connection,
  type ConnectOptions,
  collect,
  connect,
  type MessageStream,
  type SweepApi,
  sweepApi,
  type TrainingApi,
  trainingApi,
  unaryCall,
} from './calls.js';
