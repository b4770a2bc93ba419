import type { Metadata } from '@grpc/grpc-js';
import { type Authenticator, parseAuthorization } from '../auth/index.js';
import type { Authenticate } from './handlers.js';

/**
 * The handlers' `authenticate` hook over an {@link Authenticator}: reads the `authorization`
 * metadata (`Bearer <token>`) and the peer address. Health and reflection are separate services
 * that never pass through the handlers, so they stay open to probes and tools.
 */
export function bearerAuthenticate(authenticator: Authenticator): Authenticate {
  return async (metadata: Metadata, peer: string) => {
    const values = metadata
      .get('authorization')
      .map((value) => (typeof value === 'string' ? value : value.toString('utf8')));
    return authenticator.authenticate(parseAuthorization(values), peer);
  };
}
