import { invalidArgument } from '../core/index.js';
import { shortString } from './fields.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
/** Our tokens are short base64url; a longer one cannot be ours. */
const MAX_PAGE_TOKEN = 512;

/** A page request of a List RPC: page_size 0 .. 1000 (0: 50) and a bounded page_token. */
export function decodePaging(
  pageSize: number,
  pageToken: string,
): { readonly pageSize: number; readonly pageToken: string } {
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
    throw invalidArgument(
      'page_size',
      pageSize,
      `an integer in [0, ${MAX_PAGE_SIZE}] (0: ${DEFAULT_PAGE_SIZE})`,
    );
  }
  return {
    pageSize: pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize,
    pageToken: shortString('page_token', pageToken, MAX_PAGE_TOKEN),
  };
}
