export {
  BACKEND_PREFERENCES,
  type BackendPreference,
  type BackendSelection,
  type RejectedBackend,
  type SelectBackendOptions,
  selectBackend,
} from './select.js';
