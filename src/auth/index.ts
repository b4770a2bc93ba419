/**
 * Authentication: bearer tokens scoped to a project, configured in the environment
 * (GRADNOISE_TOKENS) or stored hashed in PostgreSQL (`api_tokens`). Knows nothing of gRPC; the
 * server reads the metadata and maps the errors.
 */
export {
  Authenticator,
  type AuthenticatorOptions,
  DEFAULT_PROJECT,
  type Principal,
  peerHost,
} from './authenticator.js';
export { createApiToken } from './create-token.js';
export { PROJECT_NAME, parseStaticTokens, type StaticToken } from './static-tokens.js';
export {
  type BearerCredential,
  generateToken,
  hashToken,
  MAX_TOKEN_LENGTH,
  MIN_TOKEN_LENGTH,
  parseAuthorization,
  sameDigest,
  TOKEN_PREFIX,
} from './token.js';
