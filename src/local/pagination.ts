import { createHmac, randomBytes } from 'node:crypto';
import { ServiceError } from './errors';

/**
 * Opaque `nextToken`s: base64 of `scope|offset|mac`, so they match the model's PaginationToken
 * pattern `^[\w/+=]+$`, cannot be forged or moved to another list (operation + parent id), and an
 * endpoint restart invalidates them (the key is per endpoint).
 */
export class Paginator {
  private readonly key = randomBytes(16);

  constructor(private readonly defaultPageSize: number) {}

  public page<T>(items: readonly T[], scope: string, input: { nextToken?: string; maxResults?: number }): { items: T[]; nextToken?: string } {
    const start = input.nextToken === undefined ? 0 : this.decode(input.nextToken, scope);
    const size = input.maxResults ?? this.defaultPageSize;
    const end = start + size;
    return {
      items: items.slice(start, end),
      nextToken: end < items.length ? this.encode(scope, end) : undefined,
    };
  }

  private encode(scope: string, offset: number): string {
    const body = `${scope}|${offset}`;
    return Buffer.from(`${body}|${this.mac(body)}`, 'utf-8').toString('base64');
  }

  private decode(token: string, scope: string): number {
    const parts = Buffer.from(token, 'base64').toString('utf-8').split('|');
    const [tokenScope, offsetText, mac] = parts;
    const offset = Number(offsetText);
    if (parts.length !== 3 || tokenScope !== scope || mac !== this.mac(`${tokenScope}|${offsetText}`) || !Number.isInteger(offset) || offset < 0) {
      throw new ServiceError('InvalidNextTokenException', 'The next token is not valid.');
    }
    return offset;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('hex').slice(0, 16);
  }
}
