import { FakeClock, serviceError } from './harness';
import { array, boolean, object, optional, string, stringMap } from '../../lambda/decode';
import { HandlerError, OperationError, Redactor, shortReason } from '../../lambda/errors';
import { paginate } from '../../lambda/paginate';
import { backoffDelay, computeDeadline, isTransient, MAX_RETRY_WINDOW_MS, withRetries } from '../../lambda/retry';
import { isProjectId, isUserArn } from '../../src/private/identifiers';

describe('isTransient', () => {
  test.each<[string, unknown, boolean]>([
    ['ThrottlingException', serviceError('ThrottlingException'), true],
    ['TooManyRequestsException', serviceError('TooManyRequestsException'), true],
    ['RequestLimitExceeded', serviceError('RequestLimitExceeded'), true],
    ['ConcurrentModificationException', serviceError('ConcurrentModificationException', 'x', 500), true],
    ['ConcurrentModificationException, even as a client error', serviceError('ConcurrentModificationException', 'x', 409), true],
    ['any 5xx', serviceError('InternalFailure', 'x', 502), true],
    ['a server fault without a status', Object.assign(new Error('x'), { $fault: 'server' }), true],
    ['ECONNRESET', Object.assign(new Error('x'), { code: 'ECONNRESET' }), true],
    ['ETIMEDOUT', Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), true],
    ['TimeoutError', Object.assign(new Error('x'), { name: 'TimeoutError' }), true],
    ['ValidationException', serviceError('ValidationException'), false],
    ['LimitExceededException (a quota in CodeStar)', serviceError('LimitExceededException'), false],
    ['ProjectNotFoundException', serviceError('ProjectNotFoundException', 'x', 404), false],
    ['our own failure', new HandlerError('x'), false],
    ['a non-error', 'ThrottlingException', false],
  ])('%s -> %s', (_case, error, expected) => {
    expect(isTransient(error)).toBe(expected);
  });
});

describe('backoff', () => {
  test.each([0, 1, 2, 5, 10])('attempt %i stays within [0, min(8 s, 250 ms * 2^n))', attempt => {
    const cap = Math.min(8_000, 250 * 2 ** attempt);
    expect(backoffDelay(attempt, () => 0)).toBe(0);
    expect(backoffDelay(attempt, () => 0.999999)).toBeLessThan(cap);
    expect(backoffDelay(attempt, () => 0.999999)).toBeGreaterThanOrEqual(cap * 0.99);
  });

  test.each<[number | undefined, number]>([
    [120_000, 115_000],
    [10_000, 8_000],
    [1_000, 800],
    [0, 0],
    [15 * 60_000, MAX_RETRY_WINDOW_MS],
    [undefined, 60_000],
  ])('with %p ms left the retry window is %i ms', (remaining, window) => {
    expect(computeDeadline(1_000, remaining)).toBe(1_000 + window);
  });

  test('withRetries reports each retry and stops at the deadline', async () => {
    const clock = new FakeClock();
    const retries: number[] = [];
    const attempt = jest.fn().mockRejectedValue(serviceError('ThrottlingException'));

    const promise = withRetries('ListThings', attempt, { clock, deadline: clock.now() + 1_000, onRetry: (_e, n) => retries.push(n) });

    await expect(promise).rejects.toThrow("ListThings did not succeed before the handler's deadline (4 attempts, last error ThrottlingException)");
    expect(clock.sleeps).toEqual([125, 250, 500]);
    expect(retries).toEqual([1, 2, 3]);
    expect(attempt).toHaveBeenCalledTimes(4);
  });

  test('withRetries sends nothing when no time is left before the deadline', async () => {
    const clock = new FakeClock();
    const attempt = jest.fn().mockResolvedValue('sent');

    await expect(withRetries('DeleteUserProfile', attempt, { clock, deadline: clock.now() }))
      .rejects.toThrow("DeleteUserProfile was not sent: no time was left before the handler's deadline");
    expect(attempt).not.toHaveBeenCalled();
  });
});

describe('paginate', () => {
  test('follows nextToken to the last page', async () => {
    const pages: Record<string, { items: number[]; nextToken?: string }> = {
      start: { items: [1], nextToken: 'b' },
      b: { items: [2], nextToken: 'c' },
      c: { items: [3], nextToken: '' },
    };
    const seen: number[] = [];

    for await (const page of paginate(token => Promise.resolve(pages[token ?? 'start']))) {
      seen.push(...page.items);
    }

    expect(seen).toEqual([1, 2, 3]);
  });

  test('a token handed out twice fails instead of looping', async () => {
    const fetch = jest.fn().mockResolvedValue({ nextToken: 'same' });

    const drain = async () => {
      for await (const _page of paginate(fetch)) { /* drain */ }
    };

    await expect(drain()).rejects.toThrow('Pagination did not advance');
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});

describe('decoders', () => {
  const decode = object({ s: string, b: optional(boolean), list: optional(array(object({ n: string }))), map: optional(stringMap) });

  test.each<[string, unknown, unknown]>([
    ['strings and string booleans', { s: 'x', b: 'true' }, { s: 'x', b: true }],
    ['false', { s: 'x', b: 'false' }, { s: 'x', b: false }],
    ['real booleans', { s: 'x', b: false }, { s: 'x', b: false }],
    ['null as absent', { s: 'x', b: null }, { s: 'x' }],
    ['nested lists and maps', { s: '', list: [{ n: 'a' }], map: { k: 'v' } }, { s: '', list: [{ n: 'a' }], map: { k: 'v' } }],
  ])('accepts %s', (_case, input, expected) => {
    expect(decode(input, '')).toStrictEqual(expected);
  });

  test.each<[string, unknown, string]>([
    ['a missing member', {}, 's is required'],
    ['a number for a string', { s: 1 }, 's must be a string'],
    ['"True" for a boolean', { s: 'x', b: 'True' }, "b must be a boolean ('true' or 'false')"],
    ['an object for a list', { s: 'x', list: {} }, 'list must be a list'],
    ['a bad list element', { s: 'x', list: [{ n: 'a' }, { m: 'b' }] }, 'list[1].m is not a known property'],
    ['a non-string map value', { s: 'x', map: { k: 1 } }, 'map.k must be a string'],
    ['a list for an object', [], 'must be an object'],
  ])('rejects %s', (_case, input, message) => {
    expect(() => decode(input, '')).toThrow(message);
  });
});

describe('redaction', () => {
  test('blanks every registered value, longest first, and parts of long multi-word values', () => {
    const redactor = new Redactor();
    redactor.add('Alice', 'Alice Liddell', 'ssh-rsa AAAAB3NzaC1yc2EkeyMaterial alice@host', undefined, '', '  ');

    expect(redactor.redact('user Alice Liddell (Alice) key AAAAB3NzaC1yc2EkeyMaterial')).toBe('user *** (***) key ***');
  });

  test('very short values are blanked only as whole words', () => {
    const redactor = new Redactor();
    redactor.add('Al', 'a.b');

    expect(redactor.redact('Al is valid; Always; a.b; a-b; axb')).toBe('*** is valid; Always; ***; a-b; axb');
  });

  test('regular-expression characters in values are taken literally', () => {
    const redactor = new Redactor();
    redactor.add('a+b (c)?');

    expect(redactor.redact('got a+b (c)? and ab c')).toBe('got *** and ab c');
  });

  test('reasons: our messages as they are, service errors with their operation and name', () => {
    const redactor = new Redactor();

    expect(shortReason(new HandlerError('plain'), redactor)).toBe('plain');
    expect(shortReason(new OperationError('TagProject', 'LimitExceededException', ''), redactor)).toBe('TagProject failed: LimitExceededException');
    expect(shortReason(new TypeError('boom'), redactor)).toBe('TypeError: boom');
    expect(shortReason('not an error', redactor)).toBe('Unknown error');
  });
});

describe('identifiers', () => {
  test.each([['ab', true], ['my-proj', true], ['a', false], ['1abc', false], ['My-proj', false], ['abcdefghijklmnop', false]])(
    'project id %p -> %p', (value, expected) => {
      expect(isProjectId(value)).toBe(expected);
    });

  test.each([
    ['arn:aws:iam::123456789012:user/alice', true],
    ['arn:aws:iam::123456789012:user/path/to/alice', true],
    ['arn:aws:iam::123456789012:role/alice', false],
    ['arn:aws:iam::123456789012:user/', false],
    ['AWSCDK::CustomResourceProviderFramework::CREATE_FAILED', false],
  ])('user ARN %p -> %p', (value, expected) => {
    expect(isUserArn(value)).toBe(expected);
  });
});
