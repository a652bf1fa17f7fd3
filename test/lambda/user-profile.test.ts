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
import { planUserProfileUpdate } from '../../lambda/user-profile';
import { USER_PROFILE_RESOURCE_TYPE, UserProfileProperties } from '../../src/private/contract';

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKq7uJ0personalkeymaterial alice@laptop';
const PROFILE: UserProfileProperties = {
  userArn: USER_ARN,
  displayName: 'Alice Liddell',
  emailAddress: 'alice.liddell@example.com',
  sshPublicKey: SSH_KEY,
};
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

  test('an identical existing profile is our own earlier attempt: success without a change', async () => {
    harness.codestar
      .on(CreateUserProfileCommand).rejects(serviceError('UserProfileAlreadyExistsException', 'exists'))
      .on(DescribeUserProfileCommand, { userArn: USER_ARN }).resolves(existing(PROFILE));

    const result = await harness.onEvent(createEvent(USER_PROFILE_RESOURCE_TYPE, PROFILE));

    expect(result).toStrictEqual({ PhysicalResourceId: USER_ARN, Data: { UserArn: USER_ARN } });
    expect(harness.mutatingCalls()).toEqual(['CreateUserProfile']);
  });

  test('an absent SSH key equals an empty one', async () => {
    const { sshPublicKey: _none, ...withoutKey } = PROFILE;
    harness.codestar
      .on(CreateUserProfileCommand).rejects(serviceError('UserProfileAlreadyExistsException', 'exists'))
      .on(DescribeUserProfileCommand).resolves(existing({ ...withoutKey, sshPublicKey: '' }));

    await expect(harness.onEvent(createEvent(USER_PROFILE_RESOURCE_TYPE, withoutKey))).resolves.toEqual({
      PhysicalResourceId: USER_ARN,
      Data: { UserArn: USER_ARN },
    });
  });

  test.each([
    ['display name', { displayName: 'Mallory' }],
    ['email address', { emailAddress: 'mallory@example.org' }],
    ['SSH key', { sshPublicKey: 'ssh-rsa AAAAB3NzaC1yc2EotherKeyMaterial mallory@host' }],
  ])('a foreign profile (different %s) is a conflict: fails, names the ARN only, touches nothing', async (_field, difference) => {
    // GIVEN
    harness.codestar
      .on(CreateUserProfileCommand).rejects(serviceError('UserProfileAlreadyExistsException', `Profile for ${PROFILE.emailAddress} exists`))
      .on(DescribeUserProfileCommand).resolves(existing({ ...PROFILE, ...difference }));

    // WHEN
    const error = await harness.onEventError(createEvent(USER_PROFILE_RESOURCE_TYPE, PROFILE));

    // THEN
    expect(error.message).toBe(`A CodeStar user profile for ${USER_ARN} already exists with different settings and was left unchanged; `
      + 'delete it first, or refer to it with UserProfile.fromUserArn instead of creating it');
    expect(harness.mutatingCalls()).toEqual(['CreateUserProfile']);
    expectNoPersonalData(error);
    for (const value of Object.values(difference)) {
      expect([error.message, ...harness.logs].join('\n')).not.toContain(value);
    }
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

  test('the rollback of a replacement finds the original profile unchanged and succeeds', async () => {
    harness.codestar
      .on(CreateUserProfileCommand).rejects(serviceError('UserProfileAlreadyExistsException', 'exists'))
      .on(DescribeUserProfileCommand).resolves(existing(PROFILE));

    const result = await harness.onEvent(updateEvent(USER_PROFILE_RESOURCE_TYPE, OTHER_USER_ARN, PROFILE, { ...PROFILE, userArn: OTHER_USER_ARN }));

    expect(result.PhysicalResourceId).toBe(USER_ARN);
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
  test('deletes the profile', async () => {
    harness.codestar.on(DeleteUserProfileCommand).resolves({ userArn: USER_ARN });

    expect(await harness.onEvent(deleteEvent(USER_PROFILE_RESOURCE_TYPE, USER_ARN, PROFILE))).toEqual({});
    expect(harness.codestar).toHaveReceivedCommandWith(DeleteUserProfileCommand, { userArn: USER_ARN });
  });

  test('a missing profile is success', async () => {
    harness.codestar.on(DeleteUserProfileCommand).rejects(serviceError('UserProfileNotFoundException', 'not found', 404));

    expect(await harness.onEvent(deleteEvent(USER_PROFILE_RESOURCE_TYPE, USER_ARN, PROFILE))).toEqual({});
  });

  test('the create-failed marker: no call', async () => {
    expect(await harness.onEvent(deleteEvent(USER_PROFILE_RESOURCE_TYPE, FRAMEWORK_CREATE_FAILED_MARKER, PROFILE))).toEqual({});
    expect(harness.codestarCalls()).toEqual([]);
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
