/**
 * The wire side shared by every gRPC party of gradnoise (the CLI, tests, other Node clients, and the
 * server's own proto loading): where the protos live, the loader options the generated types match,
 * typed promise clients of both services, and field paths into messages. Depends on nothing of the
 * server.
 */

export {
  API_PROTO_FILES,
  type ConfigFieldNode,
  type ConfigPath,
  type FieldPath,
  type FieldValue,
  type Json,
  jsonToStruct,
  LOADER_OPTIONS,
  type LoadedApi,
  loadApi,
  PROTO_ROOT,
  parseConfigValue,
  parseFieldValue,
  resolveConfigPath,
  resolveFieldPath,
  type ScalarKind,
  setConfigValue,
  setFieldValue,
  structToJson,
} from '../protocol/index.js';
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
