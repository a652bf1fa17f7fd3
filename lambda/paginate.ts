import { HandlerError } from './errors';
import { paginate as paginateWith } from '../src/private/paginate';

/** Every page of a `nextToken` List operation; a token given twice fails the request with a HandlerError. */
export function paginate<P extends { readonly nextToken?: string }>(
  fetchPage: (nextToken: string | undefined) => Promise<P>,
): AsyncGenerator<P, void, undefined> {
  return paginateWith(fetchPage, message => new HandlerError(message));
}
