import { CreateProjectCommand, DescribeProjectCommand, ListTagsForProjectCommand } from '@aws-sdk/client-codestar';
import { createEvent, Harness, STACK_ID, USER_ARN } from './harness';
import { canonicalJson, deleteProjectToken, MAX_TOKEN_LENGTH, membershipToken, projectToken, ResourceIdentity } from '../../lambda/tokens';
import { PROJECT_RESOURCE_TYPE } from '../../src/private/contract';

/**
 * The tokens are a deployed contract: a project or membership created by one version of the handler
 * must be recognised by every later one. The golden values below were computed once and are written
 * literally: a change of the derivation, however innocent it looks, fails here first.
 */

const RESOURCE: ResourceIdentity = { stackId: STACK_ID, logicalResourceId: 'Project' };
const CREATED = new Date('2026-01-02T03:04:05.000Z');

const GOLDEN_PROJECT_TOKEN = 'dabbe58d72b8cbe66a785793060e71d458eed43f13d14fd9749e3e4582b12375';
const GOLDEN_MEMBERSHIP_TOKEN = '2c4123c1502c4d7e96711eeca462d1c698b16e4215366f7b655902693b8d18c4';
const GOLDEN_DELETE_TOKEN = '1cf3732612fea0390a2f9412b12aaacfa5daa9bcdbb07d26be34af04fa0148fa';
/** A project made outside this library: DescribeProject gives neither a token nor a creation time. */
const GOLDEN_DELETE_TOKEN_UNKNOWN_CREATION = '4e6ec86deefc10922248dca8028e5a9c82546ec8c1c86f515a639fdffb83894f';

const OTHER_STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/0f0e0d0c-0000-4000-8000-000000000002';
const OTHER_USER = 'arn:aws:iam::123456789012:user/bob';

describe('golden values', () => {
  test('projectToken', () => {
    expect(projectToken(RESOURCE, 'my-proj')).toBe(GOLDEN_PROJECT_TOKEN);
  });

  test('membershipToken', () => {
    expect(membershipToken(RESOURCE, 'my-proj', USER_ARN)).toBe(GOLDEN_MEMBERSHIP_TOKEN);
  });

  test('deleteProjectToken of a project created with our token', () => {
    expect(deleteProjectToken(RESOURCE, 'my-proj', { clientRequestToken: GOLDEN_PROJECT_TOKEN, createdTimeStamp: CREATED })).toBe(GOLDEN_DELETE_TOKEN);
  });

  test('deleteProjectToken of a project whose creation is unknown', () => {
    expect(deleteProjectToken(RESOURCE, 'my-proj', {})).toBe(GOLDEN_DELETE_TOKEN_UNKNOWN_CREATION);
  });
});

describe('every input tells tokens apart', () => {
  const otherStack = { ...RESOURCE, stackId: OTHER_STACK_ID };
  const otherLogicalId = { ...RESOURCE, logicalResourceId: 'Project2' };

  test.each<[string, ResourceIdentity, string]>([
    ['another stack', otherStack, 'my-proj'],
    ['another logical id', otherLogicalId, 'my-proj'],
    ['another project', RESOURCE, 'my-proj2'],
  ])('projectToken: %s', (_case, resource, projectId) => {
    expect(projectToken(resource, projectId)).not.toBe(GOLDEN_PROJECT_TOKEN);
  });

  test.each<[string, ResourceIdentity, string, string]>([
    ['another stack', otherStack, 'my-proj', USER_ARN],
    ['another logical id', otherLogicalId, 'my-proj', USER_ARN],
    ['another project', RESOURCE, 'my-proj2', USER_ARN],
    ['another user', RESOURCE, 'my-proj', OTHER_USER],
  ])('membershipToken: %s', (_case, resource, projectId, userArn) => {
    expect(membershipToken(resource, projectId, userArn)).not.toBe(GOLDEN_MEMBERSHIP_TOKEN);
  });

  const created = { clientRequestToken: GOLDEN_PROJECT_TOKEN, createdTimeStamp: CREATED };
  test.each<[string, ResourceIdentity, string, Parameters<typeof deleteProjectToken>[2]]>([
    ['another stack', otherStack, 'my-proj', created],
    ['another logical id', otherLogicalId, 'my-proj', created],
    ['another project', RESOURCE, 'my-proj2', created],
    ['another creation token (a project created again under the same id)', RESOURCE, 'my-proj', { ...created, clientRequestToken: 'other' }],
    ['another creation time', RESOURCE, 'my-proj', { ...created, createdTimeStamp: new Date(CREATED.getTime() + 1) }],
    ['no creation time', RESOURCE, 'my-proj', { clientRequestToken: GOLDEN_PROJECT_TOKEN }],
  ])('deleteProjectToken: %s', (_case, resource, projectId, creation) => {
    expect(deleteProjectToken(resource, projectId, creation)).not.toBe(GOLDEN_DELETE_TOKEN);
  });

  test('the kinds never collide: a project, its membership and its deletion have three tokens', () => {
    expect(new Set([GOLDEN_PROJECT_TOKEN, GOLDEN_MEMBERSHIP_TOKEN, GOLDEN_DELETE_TOKEN, GOLDEN_DELETE_TOKEN_UNKNOWN_CREATION]).size).toBe(4);
  });

  test('inputs cannot run together: moving a character from the stack id to the logical id is another token', () => {
    expect(projectToken({ stackId: 'ab', logicalResourceId: 'c' }, 'my-proj'))
      .not.toBe(projectToken({ stackId: 'a', logicalResourceId: 'bc' }, 'my-proj'));
  });
});

describe('the RequestId is not an input', () => {
  let harness: Harness;
  beforeEach(() => {
    harness = new Harness();
  });
  afterEach(() => {
    harness.expectNoUnexpectedCalls();
  });

  test('two requests for the same resource (a retry, a redelivery, a rollback) send the same CreateProject token', async () => {
    // GIVEN a project that CodeStar creates with whatever token it is sent, and describes with it
    let sentToken: string | undefined;
    harness.codestar
      .on(CreateProjectCommand).callsFake(async input => {
        sentToken = input.clientRequestToken;
        return {};
      })
      .on(DescribeProjectCommand).callsFake(async () => ({ id: 'my-proj', name: 'N', clientRequestToken: sentToken }))
      .on(ListTagsForProjectCommand).resolves({ tags: {} });
    const properties = { id: 'my-proj', name: 'N' };

    // WHEN
    await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, properties, { logicalResourceId: 'Project', requestId: 'request-1' }));
    await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, properties, { logicalResourceId: 'Project', requestId: 'request-2' }));

    // THEN
    const tokens = harness.codestar.commandCalls(CreateProjectCommand).map(call => call.args[0].input.clientRequestToken);
    expect(tokens).toEqual([GOLDEN_PROJECT_TOKEN, GOLDEN_PROJECT_TOKEN]);
    expect(harness.mutatingCalls()).toEqual(['CreateProject', 'CreateProject']);
  });

  test('the functions take no request id at all', () => {
    const withRequestId = { ...RESOURCE, requestId: 'request-2' } as ResourceIdentity;

    expect(projectToken(withRequestId, 'my-proj')).toBe(GOLDEN_PROJECT_TOKEN);
    expect(membershipToken(withRequestId, 'my-proj', USER_ARN)).toBe(GOLDEN_MEMBERSHIP_TOKEN);
  });
});

describe('the API constraint on clientRequestToken', () => {
  const longest: ResourceIdentity = {
    stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${'s'.repeat(128)}/0f0e0d0c-0000-4000-8000-000000000001`,
    logicalResourceId: 'L'.repeat(255),
  };

  test.each([
    ['projectToken', projectToken(RESOURCE, 'my-proj')],
    ['membershipToken', membershipToken(RESOURCE, 'my-proj', USER_ARN)],
    ['deleteProjectToken', deleteProjectToken(RESOURCE, 'my-proj', { clientRequestToken: GOLDEN_PROJECT_TOKEN, createdTimeStamp: CREATED })],
    ['projectToken of the longest identity', projectToken(longest, 'abcdefghijklmno')],
    ['membershipToken of the longest identity', membershipToken(longest, 'abcdefghijklmno', `arn:aws:iam::123456789012:user/${'p/'.repeat(20)}${'u'.repeat(64)}`)],
  ])('%s fits ^[\\w:/-]+$ and at most 256 characters', (_case, token) => {
    expect(token).toMatch(/^[\w:/-]+$/);
    expect(token.length).toBeGreaterThanOrEqual(1);
    expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    expect(MAX_TOKEN_LENGTH).toBe(256);
  });
});

describe('canonicalJson', () => {
  test('does not depend on key order, at any level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: [2, { y: 2, z: 1 }] }, b: 1 }));
  });

  test('keeps the order of lists', () => {
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });
});
