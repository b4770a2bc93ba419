/**
 * The wire contract shared by every gRPC party of gradnoise (the server, the Node client, the CLI,
 * tests): where the protos live and how they are loaded (the one place), the typed config cases of
 * StartRunRequest, and field paths into messages. Depends on the core and the generated types only.
 */
export { configOneofCases } from './config-cases.js';
export {
  type ConfigFieldNode,
  type ConfigPath,
  parseConfigValue,
  resolveConfigPath,
  setConfigValue,
} from './config-path.js';
export { type FieldPath, resolveFieldPath, type ScalarKind } from './field-path.js';
export { type FieldValue, parseFieldValue, setFieldValue } from './field-value.js';
export { API_PROTO_FILES, LOADER_OPTIONS, type LoadedApi, loadApi, PROTO_ROOT } from './proto.js';
export {
  RUN_STATUS_BY_WIRE_NAME,
  runStatusLabel,
  type WireRunStatus,
  wireRunStatus,
} from './run-status.js';
export {
  BAD_REQUEST_TYPE_URL,
  decodeStatusDetails,
  encodeStatusDetails,
  QUOTA_FAILURE_TYPE_URL,
  STATUS_DETAILS_KEY,
  type StatusDetails,
} from './status-details.js';
export { type Json, jsonToStruct, jsonToValue, structToJson } from './struct.js';
