import { App, Aspects, CfnParameter, CfnResource, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { dependsOn, errorOf, handlerStatement, literal, logicalIdOf, newStack } from './helpers';
import { CodeStarProject, ProjectRole, TeamMember, UserProfile } from '../src';
import { userTemplate } from '../src/testing';

const MEMBER = 'Custom::CodeStarTeamMember';

function projectArn(id: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:codestar:us-east-1:123456789012:project/${id}`]] };
}

describe('TeamMember', () => {
  test('renders the API member names, with the defaults: Viewer, no remote access', () => {
    const stack = newStack();
    const project = CodeStarProject.fromProjectId(stack, 'Project', 'my-app');
    const user = iam.User.fromUserArn(stack, 'Alice', 'arn:aws:iam::123456789012:user/alice');

    new TeamMember(stack, 'Member', { project, user });

    Template.fromStack(stack).hasResourceProperties(MEMBER, Match.objectEquals({
      ServiceToken: Match.anyValue(),
      ServiceTimeout: '600',
      projectId: 'my-app',
      userArn: 'arn:aws:iam::123456789012:user/alice',
      projectRole: 'Viewer',
      remoteAccessAllowed: false,
    }));
  });

  test.each([
    [ProjectRole.OWNER, 'Owner'],
    [ProjectRole.CONTRIBUTOR, 'Contributor'],
    [ProjectRole.VIEWER, 'Viewer'],
  ])('renders the role %s as the API value %s', (role, value) => {
    const stack = newStack();
    const project = CodeStarProject.fromProjectId(stack, 'Project', 'my-app');
    new TeamMember(stack, 'Member', { project, user: new iam.User(stack, 'User'), role, remoteAccessAllowed: true });

    Template.fromStack(stack).hasResourceProperties(MEMBER, { projectRole: value, remoteAccessAllowed: true });
  });

  test('depends on a project of the same stack by reference, without a redundant DependsOn (cfn-lint W3005)', () => {
    const stack = newStack();
    const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
    const member = new TeamMember(stack, 'Member', { project, user: new iam.User(stack, 'User') });

    Template.fromStack(stack).hasResourceProperties(MEMBER, { projectId: { 'Fn::GetAtt': [logicalIdOf(stack, project), 'Id'] } });
    expect(dependsOn(stack, logicalIdOf(stack, member))).not.toContain(logicalIdOf(stack, project));
  });

  test('members of the same project do not depend on each other', () => {
    const stack = newStack();
    const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
    const alice = project.addTeamMember('Alice', { user: new iam.User(stack, 'AliceUser') });
    const bob = project.addTeamMember('Bob', { user: new iam.User(stack, 'BobUser') });

    expect(dependsOn(stack, logicalIdOf(stack, alice))).not.toContain(logicalIdOf(stack, bob));
    expect(dependsOn(stack, logicalIdOf(stack, bob))).not.toContain(logicalIdOf(stack, alice));
  });

  test('a project in another stack is referenced across stacks', () => {
    const stack = newStack();
    const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
    const other = newStack('Team', { app: stack.node.root as App });
    new TeamMember(other, 'Member', { project, user: new iam.User(other, 'User') });

    Template.fromStack(other).hasResourceProperties(MEMBER, { projectId: { 'Fn::ImportValue': Match.stringLikeRegexp('Project.*Id') } });
    expect(other.dependencies).toContain(stack);
    // The member's own stack has its own provider, allowed to manage the team of that project.
    expect(handlerStatement(other, 'Teams').Resource).toEqual([projectArn('my-app')]);
  });

  test('a project imported by id is created first when the same stack declares it, in either order', () => {
    const stack = newStack();
    const imported = CodeStarProject.fromProjectId(stack, 'Imported', 'my-app');
    const before = new TeamMember(stack, 'Before', { project: imported, user: new iam.User(stack, 'U1') });
    const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
    const after = imported.addTeamMember('After', { user: new iam.User(stack, 'U2') });
    const elsewhere = new TeamMember(stack, 'Elsewhere', {
      project: CodeStarProject.fromProjectId(stack, 'Other', 'other-app'),
      user: new iam.User(stack, 'U3'),
    });

    expect(dependsOn(stack, logicalIdOf(stack, before))).toContain(logicalIdOf(stack, project));
    expect(dependsOn(stack, logicalIdOf(stack, after))).toContain(logicalIdOf(stack, project));
    expect(dependsOn(stack, logicalIdOf(stack, elsewhere))).not.toContain(logicalIdOf(stack, project));
  });

  test('a remote-access member is created after the profile of the same user in the stack, in either order', () => {
    const stack = newStack();
    const project = CodeStarProject.fromProjectId(stack, 'Project', 'my-app');
    const alice = new iam.User(stack, 'Alice');
    const bob = new iam.User(stack, 'Bob');
    const early = new TeamMember(stack, 'Early', { project, user: alice, remoteAccessAllowed: true });
    const profile = new UserProfile(stack, 'AliceProfile', { user: alice, displayName: 'Alice', emailAddress: 'alice@example.org' });
    const late = new TeamMember(stack, 'Late', { project: CodeStarProject.fromProjectId(stack, 'P2', 'other'), user: alice, remoteAccessAllowed: true });
    const noRemote = new TeamMember(stack, 'NoRemote', { project: CodeStarProject.fromProjectId(stack, 'P3', 'third'), user: alice });
    const otherUser = new TeamMember(stack, 'OtherUser', { project, user: bob, remoteAccessAllowed: true });

    expect(dependsOn(stack, logicalIdOf(stack, early))).toContain(logicalIdOf(stack, profile));
    expect(dependsOn(stack, logicalIdOf(stack, late))).toContain(logicalIdOf(stack, profile));
    expect(dependsOn(stack, logicalIdOf(stack, noRemote))).not.toContain(logicalIdOf(stack, profile));
    expect(dependsOn(stack, logicalIdOf(stack, otherUser))).not.toContain(logicalIdOf(stack, profile));
  });

  test('lets the handler manage the team of the project, and nothing else of an imported project', () => {
    const stack = newStack();
    new TeamMember(stack, 'Member', {
      project: CodeStarProject.fromProjectId(stack, 'Project', 'legacy'),
      user: new iam.User(stack, 'User'),
    });

    expect(handlerStatement(stack, 'Teams')).toEqual({
      Sid: 'Teams',
      Effect: 'Allow',
      Action: ['codestar:AssociateTeamMember', 'codestar:UpdateTeamMember', 'codestar:DisassociateTeamMember', 'codestar:ListTeamMembers'],
      Resource: [projectArn('legacy')],
    });
    expect(handlerStatement(stack, 'Projects')).toBeUndefined();
  });

  test('uses the ARN of a project imported by ARN in the handler policy', () => {
    const stack = newStack();
    new TeamMember(stack, 'Member', {
      project: CodeStarProject.fromProjectArn(stack, 'Project', 'arn:aws:codestar:us-east-1:123456789012:project/legacy'),
      user: new iam.User(stack, 'User'),
    });

    expect(handlerStatement(stack, 'Teams').Resource).toEqual(['arn:aws:codestar:us-east-1:123456789012:project/legacy']);
  });

  describe('logical id', () => {
    const memberIds = (build: (stack: Stack) => void) => {
      const stack = newStack();
      build(stack);
      return Object.keys(Template.fromStack(stack).findResources(MEMBER));
    };
    const alice = (stack: Stack) => iam.User.fromUserName(stack, 'Alice', 'alice');

    test('comes from the project and the user, readable, not from the construct path', () => {
      const ids = memberIds(stack => new TeamMember(stack, 'Member', { project: CodeStarProject.fromProjectId(stack, 'P', 'my-app'), user: alice(stack) }));
      expect(ids).toEqual([expect.stringMatching(/^TeamMemberMyAppAlice[0-9A-F]{8}$/)]);
    });

    test('names a project by its id, a user this app creates by its construct id, and an import known only by token not at all', () => {
      const ids = memberIds((stack) => {
        const project = new CodeStarProject(stack, 'Own', { projectId: 'own-app', projectName: 'Own' });
        project.addTeamMember('Carol', { user: new iam.User(stack, 'Carol') });
        const arn = new CfnParameter(stack, 'UserArn').valueAsString;
        project.addTeamMember('Param', { user: iam.User.fromUserArn(stack, 'FromParameter', arn) });
      });
      expect(ids).toHaveLength(2);
      expect(ids).toEqual(expect.arrayContaining([expect.stringMatching(/^TeamMemberOwnApp[0-9A-F]{8}$/), expect.stringMatching(/^TeamMemberOwnAppCarol[0-9A-F]{8}$/)]));
    });

    test('is the same whether the stack names its account or not', () => {
      const member = (stack: Stack) => new TeamMember(stack, 'M', { project: CodeStarProject.fromProjectId(stack, 'P', 'my-app'), user: alice(stack) });
      const agnostic = newStack('Stack', { envAgnostic: true });
      member(agnostic);
      expect(Object.keys(Template.fromStack(agnostic).findResources(MEMBER))).toEqual(memberIds(member));
    });

    test('is the same for a project this stack declares and the same project imported by id', () => {
      const declared = memberIds((stack) => {
        new CodeStarProject(stack, 'Own', { projectId: 'my-app', projectName: 'Mine' }).addTeamMember('M', { user: alice(stack) });
      });
      const imported = memberIds(stack => new TeamMember(stack, 'M', { project: CodeStarProject.fromProjectId(stack, 'P', 'my-app'), user: alice(stack) }));
      expect(declared).toEqual(imported);

      const stack = newStack();
      const user = alice(stack);
      new CodeStarProject(stack, 'Own', { projectId: 'my-app', projectName: 'Mine' }).addTeamMember('First', { user });
      expect(errorOf(() => new TeamMember(stack, 'Second', { project: CodeStarProject.fromProjectId(stack, 'P', 'my-app'), user })))
        .toContain('Stack/Second: user "user/alice" is already a member of project "project/my-app" in this stack (Stack/Own/First)');
    });

    test('tells apart users of other stacks that share a construct id', () => {
      const app = new App();
      const a = newStack('A', { app });
      const c = newStack('C', { app });
      const b = newStack('B', { app });
      const project = CodeStarProject.fromProjectId(b, 'P', 'my-app');
      new TeamMember(b, 'FromA', { project, user: new iam.User(a, 'Alice') });
      new TeamMember(b, 'FromC', { project, user: new iam.User(c, 'Alice') });
      new TeamMember(b, 'Local', { project, user: new iam.User(b, 'Alice') });

      expect(Object.keys(Template.fromStack(b).findResources(MEMBER))).toHaveLength(3);
    });

    test('leaves a user known only by a Lazy unresolved: its value is read at synthesis, and the id stays path-based', () => {
      const stack = newStack();
      let arn = 'arn:aws:iam::123456789012:user/first';
      const user = iam.User.fromUserArn(stack, 'Later', Lazy.string({ produce: () => arn }));
      const member = new TeamMember(stack, 'Member', { project: CodeStarProject.fromProjectId(stack, 'P', 'my-app'), user });
      arn = 'arn:aws:iam::123456789012:user/second';

      Template.fromStack(stack).hasResourceProperties(MEMBER, { userArn: 'arn:aws:iam::123456789012:user/second' });
      expect(logicalIdOf(stack, member)).toMatch(/^Member[0-9A-F]{8}$/);
    });

    test('stays the same when the construct is renamed or moved, so that CloudFormation changes nothing', () => {
      const before = memberIds(stack => new TeamMember(stack, 'Bob', { project: CodeStarProject.fromProjectId(stack, 'P', 'my-app'), user: alice(stack) }));
      const after = memberIds((stack) => {
        const project = new CodeStarProject(stack, 'Own', { projectId: 'own-app', projectName: 'Own' });
        project.addTeamMember('Renamed', { user: iam.User.fromUserName(stack, 'AliceAgain', 'alice') });
        new TeamMember(new Construct(stack, 'Moved'), 'BobTheBuilder', { project: CodeStarProject.fromProjectId(stack, 'P', 'my-app'), user: alice(stack) });
      });
      expect(after).toContain(before[0]);
    });

    test('stays the same for the remaining members when one of a list declared by index is removed', () => {
      const byIndex = (users: string[]) => (stack: Stack) => {
        const project = CodeStarProject.fromProjectId(stack, 'P', 'my-app');
        users.forEach((name, i) => project.addTeamMember(`Member${i}`, { user: iam.User.fromUserName(stack, `U${i}`, name) }));
      };
      const before = memberIds(byIndex(['u0', 'u1', 'u2']));
      const after = memberIds(byIndex(['u1', 'u2']));
      expect(after).toEqual(before.filter(id => !/U0/.test(id)));
      expect(after).toHaveLength(2);
    });

    test('differs for another user or another project: that is another membership', () => {
      const ids = memberIds((stack) => {
        const p1 = CodeStarProject.fromProjectId(stack, 'P1', 'app-one');
        const p2 = CodeStarProject.fromProjectId(stack, 'P2', 'app-two');
        const user = new iam.User(stack, 'User');
        new TeamMember(stack, 'A', { project: p1, user });
        new TeamMember(stack, 'B', { project: p2, user });
        new TeamMember(stack, 'C', { project: p1, user: alice(stack) });
      });
      expect(new Set(ids).size).toBe(3);
    });

    test('is the same for a user imported by name, imported by ARN, or declared with its name', () => {
      const users: Array<(stack: Stack) => iam.IUser> = [
        stack => iam.User.fromUserName(stack, 'U', 'alice'),
        stack => iam.User.fromUserArn(stack, 'U', 'arn:aws:iam::123456789012:user/alice'),
        stack => iam.User.fromUserArn(stack, 'U', 'arn:aws:iam::123456789012:user/team/alice'),
        stack => new iam.User(stack, 'U', { userName: 'alice' }),
      ];
      const ids = users.map(user => memberIds(stack => new TeamMember(stack, 'M', { project: CodeStarProject.fromProjectId(stack, 'P', 'my-app'), user: user(stack) })));
      expect(ids.flat()).toEqual([ids[0][0], ids[0][0], ids[0][0], ids[0][0]]);
      // The same name in another account is another user.
      const otherAccount = memberIds(stack => new TeamMember(stack, 'M', {
        project: CodeStarProject.fromProjectId(stack, 'P', 'my-app'),
        user: iam.User.fromUserArn(stack, 'U', 'arn:aws:iam::210987654321:user/alice'),
      }));
      expect(otherAccount).not.toEqual(ids[0]);
    });

    test('orders a remote-access member after the profile of the same user, however each names the user', () => {
      const stack = newStack();
      const profile = new UserProfile(stack, 'Profile', { user: iam.User.fromUserName(stack, 'ByName', 'alice'), displayName: 'Alice', emailAddress: 'alice@example.org' });
      const member = new TeamMember(stack, 'Member', {
        project: CodeStarProject.fromProjectId(stack, 'P', 'my-app'),
        user: iam.User.fromUserArn(stack, 'ByArn', 'arn:aws:iam::123456789012:user/alice'),
        remoteAccessAllowed: true,
      });
      expect(dependsOn(stack, logicalIdOf(stack, member))).toContain(logicalIdOf(stack, profile));
    });

    test('a user declared twice for one project, even through two imports, fails with both paths', () => {
      const stack = newStack();
      const project = CodeStarProject.fromProjectId(stack, 'P', 'my-app');
      new TeamMember(stack, 'First', { project, user: iam.User.fromUserName(stack, 'Alice1', 'alice') });

      expect(errorOf(() => new TeamMember(stack, 'Second', { project, user: iam.User.fromUserArn(stack, 'Alice2', 'arn:aws:iam::123456789012:user/alice') })))
        .toContain('Stack/Second: user "user/alice" is already a member of project "project/my-app" in this stack (Stack/First): '
          + 'a membership has one owner in an app, declare each member once');
    });
  });

  test.each([
    ['region', 'arn:aws:codestar:eu-west-1:123456789012:project/legacy', 'is in region eu-west-1, but this stack deploys to us-east-1'],
    ['account', 'arn:aws:codestar:us-east-1:210987654321:project/legacy', 'is in account 210987654321, but this stack deploys to 123456789012'],
  ])('fails for a project imported by ARN from another %s: the handler calls CodeStar in its own', (_, arn, rule) => {
    const stack = newStack();
    const project = CodeStarProject.fromProjectArn(stack, 'Project', arn);

    expect(errorOf(() => new TeamMember(stack, 'Member', { project, user: iam.User.fromUserName(stack, 'Bob', 'bob') })))
      .toContain(`Stack/Member: project.projectArn "${arn}" ${rule}`);
  });

  test('warns when the stack\'s region is unknown and the project\'s is not', () => {
    const stack = newStack('Stack', { envAgnostic: true });
    const project = CodeStarProject.fromProjectArn(stack, 'Project', 'arn:aws:codestar:eu-west-1:123456789012:project/legacy');
    new TeamMember(stack, 'Member', { project, user: iam.User.fromUserName(stack, 'Bob', 'bob') });

    Annotations.fromStack(stack).hasWarning('/Stack/Member', Match.stringLikeRegexp('The project is in region eu-west-1'));
    Annotations.fromStack(stack).hasWarning('/Stack/Member', Match.stringLikeRegexp('The project is in account 123456789012'));
  });

  describe('removal', () => {
    const member = (stack: Stack, props: { removalPolicy?: RemovalPolicy } = {}) =>
      new TeamMember(stack, 'Member', { project: CodeStarProject.fromProjectId(stack, 'Project', 'my-app'), user: iam.User.fromUserName(stack, 'Alice', 'alice'), ...props });

    test('removes the membership by default', () => {
      const stack = newStack();
      member(stack);

      Template.fromStack(stack).hasResource(MEMBER, { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    });

    test('keeps the membership with RETAIN', () => {
      const stack = newStack();
      member(stack, { removalPolicy: RemovalPolicy.RETAIN });

      Template.fromStack(stack).hasResource(MEMBER, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    test('applyRemovalPolicy sets the policies of the underlying resource', () => {
      const stack = newStack();
      member(stack).applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);

      Template.fromStack(stack).hasResource(MEMBER, { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    });

    test('an aspect that applies a removal policy to every resource reaches the membership', () => {
      const app = new App();
      const stack = newStack('Stack', { app });
      member(stack);
      Aspects.of(app).add({ visit: node => (CfnResource.isCfnResource(node) ? node.applyRemovalPolicy(RemovalPolicy.RETAIN) : undefined) });

      Template.fromStack(stack).hasResource(MEMBER, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    test('fails when the removal policy is SNAPSHOT', () => {
      expect(() => member(newStack(), { removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(literal(
        'Stack/Member: removalPolicy "snapshot" must be RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY: a CodeStar team member has no snapshot'));
      expect(() => member(newStack()).applyRemovalPolicy(RemovalPolicy.SNAPSHOT)).toThrow(literal(
        'Stack/Member: removalPolicy "snapshot" must be RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY: a CodeStar team member has no snapshot'));
    });
  });

  describe('one owner per membership in an app', () => {
    const declare = (stack: Stack, id = 'Member') =>
      new TeamMember(stack, id, { project: CodeStarProject.fromProjectId(stack, `${id}Project`, 'my-app'), user: iam.User.fromUserName(stack, `${id}User`, 'alice') });

    test('fails when another stack of the app in the same account and region declares the same membership, naming both paths', () => {
      const app = new App();
      declare(newStack('First', { app }));

      expect(errorOf(() => declare(newStack('Second', { app })))).toContain(
        'Second/Member: user "user/alice" is already a member of project "project/my-app" in stack First (First/Member): '
        + 'a membership has one owner in an app, declare each member once');
    });

    test('fails when the other stack is env-agnostic: it may deploy to the same account and region', () => {
      const app = new App();
      declare(newStack('First', { app, envAgnostic: true }));

      expect(() => declare(newStack('Second', { app }))).toThrow(/Second\/Member: user "user\/alice" is already a member of project "project\/my-app" in stack First \(First\/Member\)/);
    });

    test('fails when the project is declared in one stack and the member in two', () => {
      const app = new App();
      const project = new CodeStarProject(newStack('Projects', { app }), 'Project', { projectId: 'my-app', projectName: 'Mine' });
      const alice = (stack: Stack) => iam.User.fromUserName(stack, 'Alice', 'alice');
      const a = newStack('A', { app });
      new TeamMember(a, 'Member', { project, user: alice(a) });
      const b = newStack('B', { app });

      expect(() => new TeamMember(b, 'Member', { project, user: alice(b) })).toThrow(/B\/Member: .* in stack A \(A\/Member\)/);
    });

    test.each([
      ['accounts', { account: '210987654321', region: 'us-east-1' }],
      ['regions', { account: '123456789012', region: 'eu-west-1' }],
    ])('accepts the same membership in stacks of different %s: those are different projects', (_, env) => {
      const app = new App();
      declare(newStack('First', { app }));

      expect(() => declare(new Stack(app, 'Second', { env }))).not.toThrow();
    });

    test('accepts the same membership in different apps', () => {
      declare(newStack('Stack'));
      expect(() => declare(newStack('Stack'))).not.toThrow();
    });
  });

  test('matches the snapshot', () => {
    const stack = newStack();
    const project = CodeStarProject.fromProjectId(stack, 'Project', 'my-app');
    new TeamMember(stack, 'Member', { project, user: new iam.User(stack, 'Alice'), role: ProjectRole.CONTRIBUTOR, remoteAccessAllowed: true });

    expect(userTemplate(stack)).toMatchSnapshot();
  });
});

describe('TeamMember validation', () => {
  const user = (stack: Stack, arn = 'arn:aws:iam::123456789012:user/alice') => iam.User.fromUserArn(stack, 'User', arn);

  test.each([
    ['the user ARN is in another partition', 'arn:aws-cn:iam::123456789012:user/alice', 'must match ^arn:aws:iam::'],
    ['the user name has a character IAM does not allow', 'arn:aws:iam::123456789012:user/al!ce', 'must match ^arn:aws:iam::'],
    ['the user ARN is too long', `arn:aws:iam::123456789012:user/${'a'.repeat(65)}`, 'must be 32 to 95 characters long, got 96 (UserArn)'],
  ])('fails when %s', (_, arn, rule) => {
    const stack = newStack();
    const project = CodeStarProject.fromProjectId(stack, 'Project', 'my-app');

    expect(() => new TeamMember(stack, 'Member', { project, user: user(stack, arn) }))
      .toThrow(literal(`Stack/Member: user.userArn ${JSON.stringify(arn)} ${rule}`));
  });

  test('fails when the role is not one of the API roles', () => {
    const stack = newStack();
    const project = CodeStarProject.fromProjectId(stack, 'Project', 'my-app');

    expect(() => new TeamMember(stack, 'Member', { project, user: user(stack), role: 'Admin' as ProjectRole }))
      .toThrow(literal('Stack/Member: role "Admin" must match ^(Owner|Viewer|Contributor)$ (Role)'));
  });

  test('fails when the project or the user is missing, listing both', () => {
    const stack = newStack();
    const error = errorOf(() => new TeamMember(stack, 'Member', { project: undefined as any, user: undefined as any }));

    expect(error.split('\n')).toEqual([
      'Invalid TeamMember properties (2 problems):',
      '  Stack/Member: project is required (AssociateTeamMemberRequest.projectId)',
      '  Stack/Member: user is required (AssociateTeamMemberRequest.userArn)',
    ]);
    expect(stack.node.findAll().map((c) => c.node.path)).toEqual(['Stack', 'Stack/Member']);
  });

  test('accepts the shortest and the longest user ARNs, with paths', () => {
    const stack = newStack();
    const project = CodeStarProject.fromProjectId(stack, 'Project', 'my-app');
    const shortest = 'arn:aws:iam::123456789012:user/a';
    const longest = `arn:aws:iam::123456789012:user/dev/${'a'.repeat(60)}`;
    expect(shortest).toHaveLength(32);
    expect(longest).toHaveLength(95);

    expect(() => new TeamMember(stack, 'A', { project, user: iam.User.fromUserArn(stack, 'UA', shortest) })).not.toThrow();
    expect(() => new TeamMember(stack, 'B', { project, user: iam.User.fromUserArn(stack, 'UB', longest) })).not.toThrow();
  });

  test('skips unresolved tokens', () => {
    const stack = newStack();
    const project = CodeStarProject.fromProjectId(stack, 'Project', new CfnParameter(stack, 'ProjectId').valueAsString);
    const userArn = new CfnParameter(stack, 'UserArn').valueAsString;

    expect(() => new TeamMember(stack, 'Member', { project, user: iam.User.fromUserArn(stack, 'User', userArn) })).not.toThrow();
    expect(() => new TeamMember(stack, 'Other', { project, user: iam.User.fromUserName(stack, 'Named', 'alice') })).not.toThrow();
  });
});
