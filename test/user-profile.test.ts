import { App, Aspects, CfnParameter, CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { errorOf, handlerStatement, literal, logicalIdOf, newStack } from './helpers';
import { UserProfile, UserProfileProps } from '../src';
import { userTemplate } from '../src/testing';

const PROFILE = 'Custom::CodeStarUserProfile';
const ALICE = 'arn:aws:iam::123456789012:user/alice';

describe('UserProfile', () => {
  test('renders the API member names, leaving out a missing SSH key', () => {
    const stack = newStack();
    new UserProfile(stack, 'Profile', {
      user: iam.User.fromUserArn(stack, 'Alice', ALICE),
      displayName: 'Alice Example',
      emailAddress: 'alice@example.org',
    });

    Template.fromStack(stack).hasResource(PROFILE, {
      DeletionPolicy: 'Delete',
      Properties: Match.objectEquals({
        ServiceToken: Match.anyValue(),
        ServiceTimeout: '600',
        userArn: ALICE,
        displayName: 'Alice Example',
        emailAddress: 'alice@example.org',
      }),
    });
  });

  test('renders the SSH key, and exposes the user ARN read from the resource', () => {
    const stack = newStack();
    const user = new iam.User(stack, 'Alice');
    const profile = new UserProfile(stack, 'Profile', {
      user,
      displayName: 'Alice',
      emailAddress: 'alice@example.org',
      sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIexample alice@laptop',
    });

    Template.fromStack(stack).hasResourceProperties(PROFILE, {
      userArn: stack.resolve(user.userArn),
      sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIexample alice@laptop',
    });
    expect(stack.resolve(profile.userArn)).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack, profile), 'UserArn'] });
  });

  test('lets the handler manage exactly the declared users\' profiles', () => {
    const stack = newStack();
    const alice = new iam.User(stack, 'Alice');
    new UserProfile(stack, 'AliceProfile', { user: alice, displayName: 'Alice', emailAddress: 'alice@example.org' });
    new UserProfile(stack, 'BobProfile', { user: iam.User.fromUserArn(stack, 'Bob', 'arn:aws:iam::123456789012:user/bob'), displayName: 'Bob', emailAddress: 'bob@example.org' });

    expect(handlerStatement(stack, 'Profiles')).toEqual({
      Sid: 'Profiles',
      Effect: 'Allow',
      Action: ['codestar:CreateUserProfile', 'codestar:UpdateUserProfile', 'codestar:DeleteUserProfile', 'codestar:DescribeUserProfile'],
      Resource: expect.arrayContaining([stack.resolve(alice.userArn), 'arn:aws:iam::123456789012:user/bob']),
    });
    expect(handlerStatement(stack, 'Profiles').Resource).toHaveLength(2);
  });

  test('fromUserArn imports a profile', () => {
    const stack = newStack();
    const profile = UserProfile.fromUserArn(stack, 'Imported', ALICE);

    expect(profile.userArn).toEqual(ALICE);
    expect(Template.fromStack(stack).findResources(PROFILE)).toEqual({});
  });

  test('fromUserArn accepts a token', () => {
    const stack = newStack();
    const arn = new CfnParameter(stack, 'UserArn').valueAsString;

    expect(stack.resolve(UserProfile.fromUserArn(stack, 'Imported', arn).userArn)).toEqual({ Ref: 'UserArn' });
  });

  test('fails when fromUserArn is given an ARN CodeStar does not accept', () => {
    const stack = newStack();

    expect(() => UserProfile.fromUserArn(stack, 'Imported', 'arn:aws:iam::123456789012:role/alice'))
      .toThrow(literal('Stack/Imported: userArn "arn:aws:iam::123456789012:role/alice" must match ^arn:aws:iam::'));
  });

  test('has a logical id from its user, not from its construct path: renaming it changes nothing', () => {
    const profileIds = (id: string) => {
      const stack = newStack();
      new UserProfile(stack, id, { user: iam.User.fromUserArn(stack, 'Alice', ALICE), displayName: 'Alice', emailAddress: 'alice@example.org' });
      return Object.keys(Template.fromStack(stack).findResources(PROFILE));
    };
    expect(profileIds('AliceProfile')).toEqual([expect.stringMatching(/^UserProfileAlice[0-9A-F]{8}$/)]);
    expect(profileIds('Renamed')).toEqual(profileIds('AliceProfile'));
  });

  describe('removal and adoption', () => {
    const profile = (stack: Stack, props: Partial<UserProfileProps> = {}) => new UserProfile(stack, 'Profile', {
      user: iam.User.fromUserArn(stack, 'Alice', ALICE), displayName: 'Alice', emailAddress: 'alice@example.org', ...props,
    });

    test('deletes the profile by default, and leaves adopt out', () => {
      const stack = newStack();
      profile(stack);

      Template.fromStack(stack).hasResource(PROFILE, {
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
        Properties: Match.objectLike({ adopt: Match.absent() }),
      });
    });

    test('renders adopt when true, and then retains the profile by default', () => {
      const stack = newStack();
      profile(stack, { adopt: true });

      Template.fromStack(stack).hasResource(PROFILE, {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ adopt: true }),
      });
    });

    test('leaves adopt out when false', () => {
      const stack = newStack();
      profile(stack, { adopt: false });

      Template.fromStack(stack).hasResourceProperties(PROFILE, { adopt: Match.absent() });
    });

    test('takes the removal policy it is given, adopted or not', () => {
      const stack = newStack();
      profile(stack, { removalPolicy: RemovalPolicy.RETAIN });
      const other = newStack();
      profile(other, { adopt: true, removalPolicy: RemovalPolicy.DESTROY });

      Template.fromStack(stack).hasResource(PROFILE, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      Template.fromStack(other).hasResource(PROFILE, { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    });

    test('applyRemovalPolicy sets the policies of the underlying resource', () => {
      const stack = newStack();
      profile(stack).applyRemovalPolicy(RemovalPolicy.RETAIN);

      Template.fromStack(stack).hasResource(PROFILE, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    test('an aspect that applies a removal policy to every resource reaches the profile', () => {
      const app = new App();
      const stack = newStack('Stack', { app });
      profile(stack, { adopt: true });
      Aspects.of(app).add({ visit: node => (CfnResource.isCfnResource(node) ? node.applyRemovalPolicy(RemovalPolicy.DESTROY) : undefined) });

      Template.fromStack(stack).hasResource(PROFILE, { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    });

    test('fails when a removal policy is applied to an imported profile', () => {
      expect(() => UserProfile.fromUserArn(newStack(), 'Imported', ALICE).applyRemovalPolicy(RemovalPolicy.RETAIN)).toThrow(literal(
        'Stack/Imported: removalPolicy "retain" cannot be applied to an imported profile: this stack does not manage it'));
    });

    test('fails when applyRemovalPolicy is given SNAPSHOT', () => {
      expect(() => profile(newStack()).applyRemovalPolicy(RemovalPolicy.SNAPSHOT)).toThrow(literal(
        'Stack/Profile: removalPolicy "snapshot" must be RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY: a CodeStar user profile has no snapshot'));
    });
  });

  describe('one owner per profile in an app', () => {
    const declare = (stack: Stack, user: (s: Stack) => iam.IUser = s => iam.User.fromUserName(s, 'Alice', 'alice')) =>
      new UserProfile(stack, 'Profile', { user: user(stack), displayName: 'Alice', emailAddress: 'alice@example.org' });

    test('fails when another stack of the app in the same account and region declares a profile of the same user, naming both paths', () => {
      const app = new App();
      declare(newStack('First', { app }));

      expect(() => declare(newStack('Second', { app }), s => iam.User.fromUserArn(s, 'Alice', ALICE))).toThrow(literal(
        'Second/Profile: user "user/alice" already has a UserProfile in stack First (First/Profile): '
        + 'CodeStar keeps one profile per user, declare it once in an app'));
    });

    test('fails when either stack is env-agnostic', () => {
      const app = new App();
      declare(newStack('First', { app }));

      expect(() => declare(newStack('Second', { app, envAgnostic: true }))).toThrow(/Second\/Profile: user "user\/alice" already has a UserProfile in stack First/);
    });

    test('fails for a user this app creates, declared in the profiles of two stacks', () => {
      const app = new App();
      const alice = new iam.User(newStack('Users', { app }), 'Alice');
      declare(newStack('First', { app }), () => alice);

      expect(() => declare(newStack('Second', { app }), () => alice)).toThrow(literal('user "user@Users/Alice" already has a UserProfile in stack First (First/Profile)'));
    });

    test.each([
      ['accounts', { account: '210987654321', region: 'us-east-1' }],
      ['regions', { account: '123456789012', region: 'eu-west-1' }],
    ])('accepts profiles of the same user name in stacks of different %s', (_, env) => {
      const app = new App();
      declare(newStack('First', { app }));

      expect(() => declare(new Stack(app, 'Second', { env }))).not.toThrow();
    });
  });

  test('matches the snapshot', () => {
    const stack = newStack();
    new UserProfile(stack, 'Profile', {
      user: new iam.User(stack, 'Alice'),
      displayName: 'Alice Example',
      emailAddress: 'alice@example.org',
      sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIexample alice@laptop',
    });

    expect(userTemplate(stack)).toMatchSnapshot();
  });
});

describe('UserProfile validation', () => {
  function create(overrides: Partial<UserProfileProps>) {
    const stack = newStack();
    return () => new UserProfile(stack, 'Profile', {
      user: iam.User.fromUserArn(stack, 'Alice', ALICE),
      displayName: 'Alice Example',
      emailAddress: 'alice@example.org',
      ...overrides,
    });
  }

  test.each([
    ['the display name is empty', { displayName: '' }, 'displayName (value hidden, 0 characters) must be 1 to 64 characters long, got 0 (UserProfileDisplayName)'],
    ['the display name is too long', { displayName: 'd'.repeat(65) }, 'displayName (value hidden, 65 characters) must be 1 to 64 characters long, got 65 (UserProfileDisplayName)'],
    ['the display name has leading whitespace', { displayName: ' Alice' }, 'displayName (value hidden, 6 characters) must match ^\\S(.*\\S)?$ (UserProfileDisplayName)'],
    ['the display name is missing', { displayName: undefined }, 'displayName is required (CreateUserProfileRequest.displayName)'],
    ['the email address has no @', { emailAddress: 'alice.example.org' }, 'emailAddress (value hidden, 17 characters) must match ^[\\w-.+]+@[\\w-.+]+$ (Email)'],
    ['the email address has a space', { emailAddress: 'alice smith@example.org' }, 'emailAddress (value hidden, 23 characters) must match'],
    ['the email address is too short', { emailAddress: '@a' }, 'emailAddress (value hidden, 2 characters) must be 3 to 128 characters long, got 2 (Email)'],
    ['the email address is too long', { emailAddress: `${'a'.repeat(120)}@example.org` }, 'emailAddress (value hidden, 132 characters) must be 3 to 128 characters long, got 132 (Email)'],
    ['the email address is missing', { emailAddress: undefined }, 'emailAddress is required (CreateUserProfileRequest.emailAddress)'],
    ['the SSH key is not Latin-1', { sshPublicKey: 'ssh-ed25519 AAAA ✓' }, 'sshPublicKey (value hidden, 18 characters) must match ^[\\t\\r\\n\\u0020-\\u00FF]*$ (SshPublicKey)'],
    ['the SSH key is too long', { sshPublicKey: 'k'.repeat(16385) }, 'sshPublicKey (value hidden, 16385 characters) must be 0 to 16384 characters long, got 16385 (SshPublicKey)'],
    ['the removal policy is SNAPSHOT', { removalPolicy: RemovalPolicy.SNAPSHOT }, 'removalPolicy "snapshot" must be RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY: a CodeStar user profile has no snapshot'],
    ['adopt is not a boolean', { adopt: 1 as unknown as boolean }, 'adopt "1" must be true or false at synthesis: the default removalPolicy depends on it'],
  ])('fails when %s', (_, overrides, message) => {
    expect(create(overrides as Partial<UserProfileProps>)).toThrow(literal(`Stack/Profile: ${message}`));
  });

  test('fails when the user ARN is one CodeStar does not accept', () => {
    expect(create({ user: iam.User.fromUserArn(newStack(), 'Gov', 'arn:aws-us-gov:iam::123456789012:user/alice') }))
      .toThrow(literal('Stack/Profile: user.userArn "arn:aws-us-gov:iam::123456789012:user/alice" must match ^arn:aws:iam::'));
  });

  test('fails when the user already has a profile in the stack', () => {
    const stack = newStack();
    const user = new iam.User(stack, 'Alice');
    new UserProfile(stack, 'First', { user, displayName: 'Alice', emailAddress: 'alice@example.org' });

    expect(() => new UserProfile(stack, 'Second', { user, displayName: 'Alice', emailAddress: 'alice@example.org' }))
      .toThrow(literal('Stack/Second: user "user@Stack/Alice" already has a UserProfile in this stack (Stack/First): '
        + 'CodeStar keeps one profile per user, declare it once in an app'));
  });

  test('fails when the user already has a profile in the stack through another import', () => {
    const stack = newStack();
    new UserProfile(stack, 'First', { user: iam.User.fromUserName(stack, 'ByName', 'alice'), displayName: 'Alice', emailAddress: 'alice@example.org' });

    expect(() => new UserProfile(stack, 'Second', { user: iam.User.fromUserArn(stack, 'ByArn', ALICE), displayName: 'Alice', emailAddress: 'alice@example.org' }))
      .toThrow(literal('Stack/Second: user "user/alice" already has a UserProfile in this stack (Stack/First)'));
  });

  test('never prints personal data, and lists every problem', () => {
    const error = errorOf(create({ displayName: ' Alice Secret', emailAddress: 'alice.secret', sshPublicKey: 'secret ✓' }));

    expect(error).not.toMatch(/secret/i);
    expect(error.split('\n')).toEqual([
      'Invalid UserProfile properties (3 problems):',
      '  Stack/Profile: displayName (value hidden, 13 characters) must match ^\\S(.*\\S)?$ (UserProfileDisplayName)',
      '  Stack/Profile: emailAddress (value hidden, 12 characters) must match ^[\\w-.+]+@[\\w-.+]+$ (Email)',
      '  Stack/Profile: sshPublicKey (value hidden, 8 characters) must match ^[\\t\\r\\n\\u0020-\\u00FF]*$ (SshPublicKey)',
    ]);
  });

  test('accepts the boundary values', () => {
    expect(`a-b.c+d_${'e'.repeat(113)}@ex.org`).toHaveLength(128);
    expect(create({ displayName: 'A', emailAddress: 'a@b', sshPublicKey: '' })).not.toThrow();
    expect(create({
      displayName: 'Ä'.repeat(64),
      emailAddress: `a-b.c+d_${'e'.repeat(113)}@ex.org`,
      sshPublicKey: `ssh-rsa ${'ÿ'.repeat(16376)}`,
    })).not.toThrow();
    expect(create({ sshPublicKey: 'ssh-rsa AAAA\r\n\tcomment' })).not.toThrow();
  });

  test('counts characters, not UTF-16 units', () => {
    // 64 emoji are 128 UTF-16 units but 64 characters; the pattern accepts any non-space.
    expect(create({ displayName: '😀'.repeat(64) })).not.toThrow();
    expect(create({ displayName: '😀'.repeat(65) })).toThrow(/must be 1 to 64 characters long, got 65/);
  });

  test('skips unresolved tokens', () => {
    const stack = newStack();
    const value = (name: string) => new CfnParameter(stack, name).valueAsString;

    expect(() => new UserProfile(stack, 'Profile', {
      user: iam.User.fromUserArn(stack, 'User', value('UserArn')),
      displayName: value('DisplayName'),
      emailAddress: value('Email'),
      sshPublicKey: value('Key'),
    })).not.toThrow();
  });
});
