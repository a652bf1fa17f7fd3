/**
 * Walks a `nextToken`-paginated List* operation page by page. The CodeStar model marks no operation
 * as paginated, so the SDK has no paginators for it. A service that hands back a token it already
 * gave would otherwise keep the caller there until its timeout: `stuck` makes the error thrown then.
 */
export async function* paginate<P extends { readonly nextToken?: string }>(
  fetchPage: (nextToken: string | undefined) => Promise<P>,
  stuck: (message: string) => Error = message => new Error(message),
): AsyncGenerator<P, void, undefined> {
  const seen = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    yield page;
    nextToken = page.nextToken || undefined;
    if (nextToken !== undefined && seen.has(nextToken)) {
      throw stuck('Pagination did not advance: the service returned the same nextToken twice');
    }
    if (nextToken !== undefined) {
      seen.add(nextToken);
    }
  } while (nextToken !== undefined);
}
