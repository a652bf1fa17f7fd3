import {
  AssociateTeamMemberCommand,
  CreateUserProfileCommand,
  DescribeUserProfileCommand,
  DisassociateTeamMemberCommand,
  ListTeamMembersCommand,
  UpdateTeamMemberCommand,
} from '@aws-sdk/client-codestar';
import { ACCOUNT, createEvent, deleteEvent, FRAMEWORK_CREATE_FAILED_MARKER, Harness, serviceError, updateEvent } from './harness';
import { maskUserArns } from '../../lambda/identifiers';
import { TEAM_MEMBER_RESOURCE_TYPE, USER_PROFILE_RESOURCE_TYPE } from '../../src/private/contract';

/**
 * IAM user names are personal data (often e-mail addresses). A log line or a failure reason names a
 * user as `arn:aws:iam::<account>:user/#<12 hex>`: a hash of the path and name, which still tells
 * two users apart and can be matched against a known ARN, but says no name.
 */

const EMAIL_USER = `arn:aws:iam::${ACCOUNT}:user/alice@example.org`;
const DOTTED_USER = `arn:aws:iam::${ACCOUNT}:user/first.last`;
const PATH_USER = `arn:aws:iam::${ACCOUNT}:user/dev/team/first.last`;

/** sha256 of '/<path>/<name>', first 12 hex digits: computed once and written literally, so that the mask stays stable across versions. */
const MASKED_EMAIL_USER = `arn:aws:iam::${ACCOUNT}:user/#887027695828`;
const MASKED_DOTTED_USER = `arn:aws:iam::${ACCOUNT}:user/#52faf91cde7f`;
const MASKED_PATH_USER = `arn:aws:iam::${ACCOUNT}:user/#2816b11e4a82`;

const NAMES = ['alice@example.org', 'alice', 'first.last', 'example.org'];

describe('maskUserArns', () => {
  test.each([
    ['an e-mail address as user name', EMAIL_USER, MASKED_EMAIL_USER],
    ['a dotted user name', DOTTED_USER, MASKED_DOTTED_USER],
    ['a user with a path: path and name are masked together', PATH_USER, MASKED_PATH_USER],
  ])('%s', (_case, arn, masked) => {
    expect(maskUserArns(arn)).toBe(masked);
  });

  test('masks every ARN inside a text and keeps the text around it', () => {
    const text = `User ${EMAIL_USER} (and ${DOTTED_USER}), in my-proj|${EMAIL_USER}|adopted:Owner:true.`;

    expect(maskUserArns(text)).toBe(`User ${MASKED_EMAIL_USER} (and ${MASKED_DOTTED_USER}), in my-proj|${MASKED_EMAIL_USER}|adopted:Owner:true.`);
  });

  test('inside JSON, the closing quote is kept', () => {
    expect(maskUserArns(JSON.stringify({ userArn: EMAIL_USER }))).toBe(`{"userArn":"${MASKED_EMAIL_USER}"}`);
  });

  test('other partitions are masked too', () => {
    expect(maskUserArns(`arn:aws-cn:iam::${ACCOUNT}:user/first.last`)).toBe(`arn:aws-cn:iam::${ACCOUNT}:user/#52faf91cde7f`);
  });

  test('tells users apart, and the same user always the same way', () => {
    expect(maskUserArns(EMAIL_USER)).toBe(maskUserArns(EMAIL_USER));
    expect(maskUserArns(EMAIL_USER)).not.toBe(maskUserArns(DOTTED_USER));
    expect(maskUserArns(DOTTED_USER)).not.toBe(maskUserArns(PATH_USER));
  });

  test('a path with characters outside the name\'s (IAM allows any printable ASCII in a path) still hides the name', () => {
    // isUserArn accepts such a path, so such a user can be declared and appear in a reason.
    const masked = maskUserArns(`arn:aws:iam::${ACCOUNT}:user/team|a/b!c/first.last`);

    expect(masked).not.toContain('first.last');
    expect(masked).toMatch(new RegExp(`^arn:aws:iam::${ACCOUNT}:user/#[0-9a-f]{12}$`));
  });

  test('leaves roles, other text and the framework marker alone', () => {
    const text = `arn:aws:iam::${ACCOUNT}:role/first.last ${FRAMEWORK_CREATE_FAILED_MARKER} user/first.last`;

    expect(maskUserArns(text)).toBe(text);
  });
});

describe('the handler never writes a user name', () => {
  let harness: Harness;
  beforeEach(() => {
    harness = new Harness();
  });
  afterEach(() => {
    harness.expectNoUnexpectedCalls();
  });

  function expectNoUserName(...outputs: string[]) {
    const text = [...outputs, ...harness.logs].join('\n');
    for (const name of NAMES) {
      expect(text).not.toContain(name);
    }
  }

  const member = (userArn: string) => ({ projectId: 'my-proj', userArn, projectRole: 'Contributor', remoteAccessAllowed: false });

  test.each([EMAIL_USER, DOTTED_USER, PATH_USER])('log lines of a team member\'s life (%s): masked, never the name', async userArn => {
    // GIVEN a membership that is adopted, updated and restored, so every log line with a user is written
    harness.codestar
      .on(AssociateTeamMemberCommand).rejects(serviceError('TeamMemberAlreadyAssociatedException', `${userArn} is already a member`))
      .on(ListTeamMembersCommand).resolves({ teamMembers: [{ userArn, projectRole: 'Owner', remoteAccessAllowed: true }] })
      .on(UpdateTeamMemberCommand).resolves({});

    // WHEN
    const created = await harness.onEvent(createEvent(TEAM_MEMBER_RESOURCE_TYPE, member(userArn)));
    const physicalId = created.PhysicalResourceId!;
    await harness.onEvent(updateEvent(TEAM_MEMBER_RESOURCE_TYPE, physicalId, { ...member(userArn), projectRole: 'Viewer' }, member(userArn)));
    await harness.onEvent(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, physicalId, member(userArn)));

    // THEN CloudFormation gets the real ARN in the physical id; the logs name the user only masked
    expect(physicalId).toBe(`my-proj|${userArn}|adopted:Owner:true`);
    expectNoUserName();
    const log = harness.logs.join('\n');
    expect(log).toContain(maskUserArns(userArn));
    expect(log).toContain(`"physicalResourceId":"my-proj|${maskUserArns(userArn)}|adopted:Owner:true"`);
    expect(harness.logs.map(line => JSON.parse(line).event)).toContain('existing-membership-adopted');
  });

  test('log lines of a cancelled create\'s Delete: masked', async () => {
    harness.codestar
      .on(ListTeamMembersCommand).resolves({ teamMembers: [{ userArn: EMAIL_USER, projectRole: 'Contributor' }] })
      .on(AssociateTeamMemberCommand).resolves({})
      .on(DisassociateTeamMemberCommand).resolves({});

    await harness.onEvent(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, FRAMEWORK_CREATE_FAILED_MARKER, member(EMAIL_USER)));

    expect(harness.mutatingCalls()).toEqual(['AssociateTeamMember', 'DisassociateTeamMember']);
    expectNoUserName();
  });

  test('a failure reason from the handler names the user masked', async () => {
    harness.codestar
      .on(AssociateTeamMemberCommand).rejects(serviceError('TeamMemberAlreadyAssociatedException', 'already associated'))
      .on(ListTeamMembersCommand).resolves({ teamMembers: [] });

    const error = await harness.onEventError(createEvent(TEAM_MEMBER_RESOURCE_TYPE, member(EMAIL_USER)));

    expect(error.message).toBe(`${MASKED_EMAIL_USER} is not a team member of project my-proj, although CodeStar reported it as one`);
    expect(error.stack).toBe(`HandlerError: ${error.message}`);
    expectNoUserName(error.message);
    expect(harness.mutatingCalls()).toEqual(['AssociateTeamMember']);
  });

  test('a service error that quotes the ARN is masked in the reason and in the log', async () => {
    harness.codestar.on(AssociateTeamMemberCommand).rejects(serviceError('ValidationException', `User ${DOTTED_USER} cannot be added to my-proj`));

    const error = await harness.onEventError(createEvent(TEAM_MEMBER_RESOURCE_TYPE, member(DOTTED_USER)));

    expect(error.message).toBe(`AssociateTeamMember failed: ValidationException: User ${MASKED_DOTTED_USER} cannot be added to my-proj`);
    expectNoUserName(error.message, error.stack ?? '');
    expect(harness.logs.join('\n')).toContain(MASKED_DOTTED_USER);
  });

  test.each([
    ['a team member', TEAM_MEMBER_RESOURCE_TYPE, AssociateTeamMemberCommand, member(EMAIL_USER)],
    ['a user profile', USER_PROFILE_RESOURCE_TYPE, CreateUserProfileCommand, { userArn: EMAIL_USER, displayName: 'Alice', emailAddress: 'a@example.com' }],
  ] as const)('%s: a service error that quotes the bare user name is blanked, and the ARN next to it still masked', async (_kind, type, command, properties) => {
    harness.codestar.on(command as any).rejects(serviceError('ValidationException', `User alice@example.org (${EMAIL_USER}) is not allowed`));

    const error = await harness.onEventError(createEvent(type, properties));

    expect(error.message).toBe(`${command === AssociateTeamMemberCommand ? 'AssociateTeamMember' : 'CreateUserProfile'} failed: `
      + `ValidationException: User *** (${MASKED_EMAIL_USER}) is not allowed`);
    expectNoUserName(error.message, error.stack ?? '');
  });

  test('a user profile conflict names the user masked, and no personal data', async () => {
    harness.codestar
      .on(CreateUserProfileCommand).rejects(serviceError('UserProfileAlreadyExistsException', `Profile for ${EMAIL_USER} exists`))
      .on(DescribeUserProfileCommand).resolves({ userArn: EMAIL_USER, displayName: 'Mallory', emailAddress: 'mallory@example.net' });

    const error = await harness.onEventError(createEvent(USER_PROFILE_RESOURCE_TYPE,
      { userArn: EMAIL_USER, displayName: 'Alice Liddell', emailAddress: 'alice.liddell@example.com' }));

    expect(error.message).toContain(MASKED_EMAIL_USER);
    expect(error.message).toContain('adopt');
    expectNoUserName(error.message);
    for (const personal of ['Mallory', 'mallory@example.net', 'Alice Liddell', 'alice.liddell@example.com']) {
      expect([error.message, ...harness.logs].join('\n')).not.toContain(personal);
    }
    expect(harness.mutatingCalls()).toEqual(['CreateUserProfile']);
  });

  test('a user profile\'s request and adoption log lines name the user masked', async () => {
    harness.codestar.on(DescribeUserProfileCommand).resolves({ userArn: DOTTED_USER, displayName: 'Old', emailAddress: 'old@example.com' });

    const error = await harness.onEventError(updateEvent(USER_PROFILE_RESOURCE_TYPE, `${DOTTED_USER}|existing`,
      { userArn: DOTTED_USER, displayName: 'New', emailAddress: 'new@example.com' },
      { userArn: DOTTED_USER, displayName: 'New', emailAddress: 'new@example.com' }));

    expect(error.message).toContain(MASKED_DOTTED_USER);
    expectNoUserName(error.message);
    expect(harness.logs.join('\n')).toContain(`"physicalResourceId":"${MASKED_DOTTED_USER}|existing"`);
    expect(harness.mutatingCalls()).toEqual([]);
  });
});
