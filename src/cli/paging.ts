import { type CliIo, printJson, printTable } from './io.js';
import { integerFlag } from './run-request.js';

/** The paging flags of the list commands (`--page-size`, `--page-token`: ListRuns, ListSweeps, ListCheckpoints). */
export interface PageOptions {
  readonly pageSize: string;
  readonly pageToken?: string;
}

/** The request's paging fields; a bad `--page-size` is INVALID_ARGUMENT naming the flag. */
export function pageRequest(options: PageOptions): { pageSize: number; pageToken: string } {
  return {
    pageSize: integerFlag('--page-size', options.pageSize, 1, 1000),
    pageToken: options.pageToken ?? '',
  };
}

/** After a table: how to ask for the next page, when there is one. */
function printNextPage(io: CliIo, nextPageToken: string): void {
  if (nextPageToken) io.stdout.write(`next page: --page-token ${nextPageToken}\n`);
}

/**
 * One page of a list command: the response as JSON with `--json`, else a table of `rows(page)`
 * under `header`, then how to ask for the next page.
 */
export function printPage<P extends { readonly nextPageToken: string }>(
  io: CliIo,
  json: boolean | undefined,
  page: P,
  header: readonly string[],
  rows: (page: P) => (readonly string[])[],
): void {
  if (json) {
    printJson(io, page);
    return;
  }
  printTable(io, header, rows(page));
  printNextPage(io, page.nextPageToken);
}
