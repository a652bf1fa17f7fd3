import {
  CreateUserProfileCommand,
  DeleteUserProfileCommand,
  DescribeUserProfileCommand,
  UpdateUserProfileCommand,
} from '@aws-sdk/client-codestar';
import {
  completionEvent,
  createEvent,
  deleteEvent,
  FRAMEWORK_CREATE_FAILED_MARKER,
  Harness,
  OTHER_USER_ARN,
  serviceError,
  updateEvent,
  USER_ARN,
} from './harness';
import { maskUserArns } from '../../lambda/identifiers';
import { formatUserProfileId, parseUserProfileId, planUserProfileUpdate, UserProfileId } from '../../lambda/user-profile';
import { USER_PROFILE_RESOURCE_TYPE, UserProfileProperties } from '../../src/private/contract';

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKq7uJ0personalkeymaterial alice@laptop';
const PROFILE: UserProfileProperties = {
  userArn: USER_ARN,
  displayName: 'Alice Liddell',
  emailAddress: 'alice.liddell@example.com',
  sshPublicKey: SSH_KEY,
};
const EXISTING_ID = `${USER_ARN}|existing`;
const ALREADY_EXISTS = () => serviceError('UserProfileAlreadyExistsException', `Profile for ${PROFILE.emailAddress} exists`);
const CONFLICT_REASON = `A CodeStar user profile for ${maskUserArns(USER_ARN)} already exists with other settings, and is not this resource's own, `
  + 'so it was left unchanged; to manage it from this stack, set adopt: true on the UserProfile; to only refer to it, use UserProfile.fromUserArn';
const PERSONAL_DATA = [PROFILE.displayName, PROFILE.emailAddress, SSH_KEY, 'AAAAC3NzaC1lZDI1NTE5AAAAIKq7uJ0personalkeymaterial'];

function existing(profile: Partial<UserProfileProperties>) {
  return {
    userArn: USER_ARN,
    displayName: profile.displayName,
    emailAddress: profile.emailAddress,
    sshPublicKey: profile.sshPublicKey,
    createdTimestamp: new Date(0),
    lastModifiedTimestamp: new Date(0),
  };
}

let harness: Harness;
beforeEach(() => {
  harness = new Harness();
});
afterEach(() => {
  harness.expectNoUnexpectedCalls();
});

/** Whatever the handler returned, threw or logged must not contain any personal data. */
function expectNoPersonalData(...outputs: unknown[]) {
  const text = [...outputs.map(output => (output instanceof Error ? `${output.message}\n${output.stack}` : JSON.stringify(output))), ...harness.logs].join('\n');
  for (const value of PERSONAL_DATA) {
    expect(text).not.toContain(value);
  }
}

describe('create', () => {
  test('creates the profile; Data holds only the user ARN', async () => {
    harness.codestar.on(CreateUserProfileCommand).resolves({ userArn: USER_ARN });

    const result = await harness.onEvent(createEvent(USER_PROFILE_RESOURCE_TYPE, PROFILE));

    expect(result).toStrictEqual({ PhysicalResourceId: USER_ARN, Data: { UserArn: USER_ARN } });
    expect(harness.codestar.commandCalls(CreateUserProfileCommand)[0].args[0].input).toEqual(PROFILE);
    expectNoPersonalData(result);
  });

  test('an identical existing profile is used as it is, marked as not ours: `userArn|existing`, no update', async () => {
    harness.codestar
      .on(CreateUserProfileCommand).rejects(ALREADY_EXISTS())
      .on(DescribeUserProfileCommand, { userArn: USER_ARN }).resolves(existing(PROFILE));

    const result = await harness.onEvent(createEvent(USER_PROFILE_RESOURCE_TYPE, PROFILE));

    expect(result).toStrictEqual({ PhysicalResourceId: EXISTING_ID, Data: { UserArn: USER_ARN } });
    expect(harness.mutatingCalls()).toEqual(['CreateUserProfile']);
    expect(harness.codestar).toHaveReceivedCommandTimes(UpdateUserProfileCommand, 0);
    expectNoPersonalData(result);
  });

  test('an absent SSH key equals an empty one', async () => {
    const { sshPublicKey: _none, ...withoutKey } = PROFILE;
    harness.codestar
      .on(CreateUserProfileCommand).rejects(ALREADY_EXISTS())
      .on(DescribeUserProfileCommand).resolves(existing({ ...withoutKey, sshPublicKey: '' }));

    await expect(harness.onEvent(createEvent(USER_PROFILE_RESOURCE_TYPE, withoutKey))).resolves.toEqual({
      PhysicalResourceId: EXISTING_ID,
      Data: { UserArn: USER_ARN },
    });
    expect(harness.mutatingCalls()).toEqual(['CreateUserProfile']);
  });

  const DIFFERENCES: Array<[string, Partial<UserProfileProperties>]> = [
    ['display name', { displayName: 'Mallory' }],
    ['email address', { emailAddress: 'mallory@example.org' }],
    ['SSH key', { sshPublicKey: 'ssh-rsa AAAAB3NzaC1yc2EotherKeyMaterial mallory@host' }],
  ];

  test.each(DIFFERENCES)('an existing profile with another %s and no adopt is a conflict: fails, names the user masked, updates nothing', async (_field, difference) => {
    // GIVEN
    harness.codestar
      .on(CreateUserProfileCommand).rejects(ALREADY_EXISTS())
      .on(DescribeUserProfileCommand).resolves(existing({ ...PROFILE, ...difference }));

    // WHEN
    const error = await harness.onEventError(createEvent(USER_PROFILE_RESOURCE_TYPE, PROFILE));

    // THEN
    expect(error.message).toBe(CONFLICT_REASON);
    expect(harness.mutatingCalls()).toEqual(['CreateUserProfile']);
    expect(harness.codestar).toHaveReceivedCommandTimes(UpdateUserProfileCommand, 0);
    expectNoPersonalData(error);
    for (const value of Object.values(difference)) {
      expect([error.message, ...harness.logs].join('\n')).not.toContain(value);
    }
  });

  test.each(DIFFERENCES)('an existing profile with another %s and adopt is converged: UpdateUserProfile, physical id `userArn|existing`', async (_field, difference) => {
    // GIVEN
    harness.codestar
      .on(CreateUserProfileCommand).rejects(ALREADY_EXISTS())
      .on(DescribeUserProfileCommand).resolves(existing({ ...PROFILE, ...difference }))
      .on(UpdateUserProfileCommand).resolves({ userArn: USER_ARN });

    // WHEN
    const result = await harness.onEvent(createEvent(USER_PROFILE_RESOURCE_TYPE, { ...PROFILE, adopt: true }));

    // THEN only the differing field is sent
    expect(result).toStrictEqual({ PhysicalResourceId: EXISTING_ID, Data: { UserArn: USER_ARN } });
    expect(harness.mutatingCalls()).toEqual(['CreateUserProfile', 'UpdateUserProfile']);
    const field = Object.keys(difference)[0] as keyof UserProfileProperties;
    expect(harness.codestar.commandCalls(UpdateUserProfileCommand)[0].args[0].input).toStrictEqual({ userArn: USER_ARN, [field]: PROFILE[field] });
    expect(harness.logs.map(line => JSON.parse(line).event)).toContain('existing-profile-adopted');
    expectNoPersonalData(result);
    for (const value of Object.values(difference)) {
      expect(harness.logs.join('\n')).not.toContain(value);
    }
  });

  test('an identical existing profile with adopt needs no update', async () => {
    harness.codestar
      .on(CreateUserProfileCommand).rejects(ALREADY_EXISTS())
      .on(DescribeUserProfileCommand).resolves(existing(PROFILE));

    const result = await harness.onEvent(createEvent(USER_PROFILE_RESOURCE_TYPE, { ...PROFILE, adopt: true }));

    expect(result.PhysicalResourceId).toBe(EXISTING_ID);
    expect(harness.mutatingCalls()).toEqual(['CreateUserProfile']);
  });

  test('a service error echoing personal data is redacted', async () => {
    harness.codestar.on(CreateUserProfileCommand).rejects(serviceError('ValidationException',
      `1 validation error: emailAddress '${PROFILE.emailAddress}' of '${PROFILE.displayName}' is invalid`));

    const error = await harness.onEventError(createEvent(USER_PROFILE_RESOURCE_TYPE, PROFILE));

    expect(error.message).toBe("CreateUserProfile failed: ValidationException: 1 validation error: emailAddress '***' of '***' is invalid");
    expectNoPersonalData(error);
  });
});

describe('update', () => {
  test('a no-op update makes no call', async () => {
    const result = await harness.onEvent(updateEvent(USER_PROFILE_RESOURCE_TYPE, USER_ARN, PROFILE, PROFILE));

    expect(result).toStrictEqual({ PhysicalResourceId: USER_ARN, Data: { UserArn: USER_ARN } });
    expect(harness.codestarCalls()).toEqual([]);
  });

  test('sends the changed fields only', async () => {
    harness.codestar.on(UpdateUserProfileCommand).resolves({ userArn: USER_ARN });

    const result = await harness.onEvent(updateEvent(USER_PROFILE_RESOURCE_TYPE, USER_ARN, { ...PROFILE, displayName: 'Alice L.' }, PROFILE));

    expect(harness.codestar.commandCalls(UpdateUserProfileCommand)[0].args[0].input).toStrictEqual({ userArn: USER_ARN, displayName: 'Alice L.' });
    expectNoPersonalData(result);
  });

  test('another user replaces: a new profile under a new physical id', async () => {
    harness.codestar.on(CreateUserProfileCommand, { userArn: OTHER_USER_ARN }).resolves({ userArn: OTHER_USER_ARN });

    const result = await harness.onEvent(updateEvent(USER_PROFILE_RESOURCE_TYPE, USER_ARN, { ...PROFILE, userArn: OTHER_USER_ARN }, PROFILE));

    expect(result).toStrictEqual({ PhysicalResourceId: OTHER_USER_ARN, Data: { UserArn: OTHER_USER_ARN } });
    expect(harness.mutatingCalls()).toEqual(['CreateUserProfile']);
  });

  test('the rollback of a replacement finds the original profile unchanged and succeeds, marked as existing (a profile holds no token)', async () => {
    harness.codestar
      .on(CreateUserProfileCommand).rejects(ALREADY_EXISTS())
      .on(DescribeUserProfileCommand).resolves(existing(PROFILE));

    const result = await harness.onEvent(updateEvent(USER_PROFILE_RESOURCE_TYPE, OTHER_USER_ARN, PROFILE, { ...PROFILE, userArn: OTHER_USER_ARN }));

    expect(result.PhysicalResourceId).toBe(EXISTING_ID);
    expect(harness.mutatingCalls()).toEqual(['CreateUserProfile']);
  });

  test('an `|existing` profile keeps its physical id across an update that changes nothing of it', async () => {
    harness.codestar.on(DescribeUserProfileCommand).resolves(existing(PROFILE));

    const result = await harness.onEvent(updateEvent(USER_PROFILE_RESOURCE_TYPE, EXISTING_ID, PROFILE, { ...PROFILE, displayName: 'Old' }));

    expect(result).toStrictEqual({ PhysicalResourceId: EXISTING_ID, Data: { UserArn: USER_ARN } });
    expect(harness.mutatingCalls()).toEqual([]);
  });

  test('an `|existing` profile is compared with what it is, not with the old properties: changed fields without adopt fail', async () => {
    // GIVEN the old and new properties agree, but the live profile differs (it is someone else's)
    harness.codestar.on(DescribeUserProfileCommand).resolves(existing({ ...PROFILE, emailAddress: 'theirs@example.org' }));

    const error = await harness.onEventError(updateEvent(USER_PROFILE_RESOURCE_TYPE, EXISTING_ID, PROFILE, PROFILE));

    expect(error.message).toBe(CONFLICT_REASON);
    expect(harness.mutatingCalls()).toEqual([]);
    expect([error.message, ...harness.logs].join('\n')).not.toContain('theirs@example.org');
  });

  test('an `|existing` profile with changed fields and adopt is updated, and keeps its physical id', async () => {
    harness.codestar
      .on(DescribeUserProfileCommand).resolves(existing(PROFILE))
      .on(UpdateUserProfileCommand).resolves({ userArn: USER_ARN });

    const result = await harness.onEvent(updateEvent(USER_PROFILE_RESOURCE_TYPE, EXISTING_ID, { ...PROFILE, displayName: 'Alice L.', adopt: true }, PROFILE));

    expect(result).toStrictEqual({ PhysicalResourceId: EXISTING_ID, Data: { UserArn: USER_ARN } });
    expect(harness.mutatingCalls()).toEqual(['UpdateUserProfile']);
    expect(harness.codestar.commandCalls(UpdateUserProfileCommand)[0].args[0].input).toStrictEqual({ userArn: USER_ARN, displayName: 'Alice L.' });
  });

  test('a change of the fields of our own profile needs no adopt', async () => {
    harness.codestar.on(UpdateUserProfileCommand).resolves({ userArn: USER_ARN });

    await harness.onEvent(updateEvent(USER_PROFILE_RESOURCE_TYPE, USER_ARN, { ...PROFILE, emailAddress: 'new@example.com' }, PROFILE));

    expect(harness.mutatingCalls()).toEqual(['UpdateUserProfile']);
    expect(harness.codestar).not.toHaveReceivedCommand(DescribeUserProfileCommand);
  });

  test('old properties that no longer parse: the update is planned against the live profile', async () => {
    harness.codestar
      .on(DescribeUserProfileCommand).resolves(existing({ ...PROFILE, emailAddress: 'old@example.com' }))
      .on(UpdateUserProfileCommand).resolves({ userArn: USER_ARN });

    await harness.onEvent(updateEvent(USER_PROFILE_RESOURCE_TYPE, USER_ARN, PROFILE, { userArn: USER_ARN }));

    expect(harness.codestar.commandCalls(UpdateUserProfileCommand)[0].args[0].input).toStrictEqual({
      userArn: USER_ARN,
      emailAddress: PROFILE.emailAddress,
    });
    expect(harness.logs.join('\n')).not.toContain('old@example.com');
  });

  test("the live profile's data is redacted too when the service echoes it", async () => {
    harness.codestar
      .on(DescribeUserProfileCommand).resolves(existing({ ...PROFILE, emailAddress: 'old.address@example.com' }))
      .on(UpdateUserProfileCommand).rejects(serviceError('ValidationException', 'cannot move old.address@example.com'));

    const error = await harness.onEventError(updateEvent(USER_PROFILE_RESOURCE_TYPE, USER_ARN, PROFILE, { userArn: USER_ARN }));

    expect(error.message).toBe('UpdateUserProfile failed: ValidationException: cannot move ***');
    expect(harness.logs.join('\n')).not.toContain('old.address@example.com');
  });
});

describe('delete', () => {
  test('our own profile is deleted', async () => {
    harness.codestar.on(DeleteUserProfileCommand).resolves({ userArn: USER_ARN });

    expect(await harness.onEvent(deleteEvent(USER_PROFILE_RESOURCE_TYPE, USER_ARN, PROFILE))).toEqual({});
    expect(harness.codestar).toHaveReceivedCommandWith(DeleteUserProfileCommand, { userArn: USER_ARN });
    expect(harness.mutatingCalls()).toEqual(['DeleteUserProfile']);
  });

  test('our own profile is deleted even when the properties do not parse', async () => {
    harness.codestar.on(DeleteUserProfileCommand).resolves({ userArn: USER_ARN });

    await harness.onEvent(deleteEvent(USER_PROFILE_RESOURCE_TYPE, USER_ARN, { userArn: USER_ARN }));

    expect(harness.mutatingCalls()).toEqual(['DeleteUserProfile']);
  });

  test('a missing profile is success', async () => {
    harness.codestar.on(DeleteUserProfileCommand).rejects(serviceError('UserProfileNotFoundException', 'not found', 404));

    expect(await harness.onEvent(deleteEvent(USER_PROFILE_RESOURCE_TYPE, USER_ARN, PROFILE))).toEqual({});
  });

  test.each<[string, object]>([
    ['without adopt', PROFILE],
    ['with adopt: false', { ...PROFILE, adopt: false }],
    ['with properties that do not parse', { userArn: USER_ARN, adopt: 'yes' }],
  ])('an `|existing` profile %s is left alone: no call', async (_case, properties) => {
    expect(await harness.onEvent(deleteEvent(USER_PROFILE_RESOURCE_TYPE, EXISTING_ID, properties))).toEqual({});

    expect(harness.codestarCalls()).toEqual([]);
    expect(harness.logs.map(line => JSON.parse(line).event)).toContain('foreign-profile-left');
  });

  test('an `|existing` profile with adopt is deleted', async () => {
    harness.codestar.on(DeleteUserProfileCommand).resolves({ userArn: USER_ARN });

    expect(await harness.onEvent(deleteEvent(USER_PROFILE_RESOURCE_TYPE, EXISTING_ID, { ...PROFILE, adopt: true }))).toEqual({});

    expect(harness.codestar.commandCalls(DeleteUserProfileCommand)[0].args[0].input).toStrictEqual({ userArn: USER_ARN });
    expect(harness.mutatingCalls()).toEqual(['DeleteUserProfile']);
  });

  test.each([FRAMEWORK_CREATE_FAILED_MARKER, 'E2E-Profile-1A2B3C4D5E6F', '5b1b07a4-1f0e-4f3c-9d4c-6f1f4e4f0a11', `${USER_ARN}|other`])(
    'a physical id the handler never returned (%s): no call, even with adopt', async physicalId => {
      expect(await harness.onEvent(deleteEvent(USER_PROFILE_RESOURCE_TYPE, physicalId, { ...PROFILE, adopt: true }))).toEqual({});
      expect(harness.codestarCalls()).toEqual([]);
    });
});

describe('physical ids', () => {
  test.each<[string, UserProfileId]>([
    [USER_ARN, { userArn: USER_ARN, existing: false }],
    [EXISTING_ID, { userArn: USER_ARN, existing: true }],
  ])('%s round-trips', (physicalId, id) => {
    expect(parseUserProfileId(physicalId)).toEqual(id);
    expect(formatUserProfileId(id)).toBe(physicalId);
  });

  test.each([FRAMEWORK_CREATE_FAILED_MARKER, '', '|existing', `${USER_ARN}|existing|existing`, 'arn:aws:iam::123456789012:role/r'])(
    '%p is not a profile id', physicalId => {
      expect(parseUserProfileId(physicalId)).toBeUndefined();
    });
});

test('isComplete is complete at once and adds no Data', async () => {
  const event = completionEvent(createEvent(USER_PROFILE_RESOURCE_TYPE, PROFILE), { PhysicalResourceId: USER_ARN, Data: { UserArn: USER_ARN } });

  expect(await harness.isComplete(event)).toStrictEqual({ IsComplete: true });
  expect(harness.codestarCalls()).toEqual([]);
});

describe('planUserProfileUpdate', () => {
  test.each<[string, Partial<UserProfileProperties>, Partial<UserProfileProperties>, object | undefined]>([
    ['nothing changed', {}, {}, undefined],
    ['display name', {}, { displayName: 'New' }, { displayName: 'New' }],
    ['email address', {}, { emailAddress: 'new@example.com' }, { emailAddress: 'new@example.com' }],
    ['SSH key changed', {}, { sshPublicKey: 'ssh-rsa BBBB' }, { sshPublicKey: 'ssh-rsa BBBB' }],
    ['SSH key removed', {}, { sshPublicKey: undefined }, { sshPublicKey: '' }],
    ['absent SSH key equals empty', { sshPublicKey: '' }, { sshPublicKey: undefined }, undefined],
  ])('%s', (_case, current, desired, expected) => {
    const plan = planUserProfileUpdate({ ...PROFILE, ...current }, { ...PROFILE, ...desired });

    expect(plan).toStrictEqual(expected === undefined ? undefined : { userArn: USER_ARN, ...expected });
  });
});
