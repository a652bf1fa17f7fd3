import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { handlerStatements, newStack, SEED_CODE_DIR, TOOLCHAIN_FILE } from './helpers';
import {
  CodeDestination, CodeStarProject, GitHubOwnerType, ProjectRole, ProjectSource, TeamMember, Toolchain, UserProfile,
} from '../src';
import {
  DEFAULT_PROJECT_TIMEOUT, HANDLER_TIMEOUT, MAX_PROJECT_TIMEOUT, MEMBER_SERVICE_TIMEOUT, PROJECT_SERVICE_TIMEOUT, QUERY_INTERVAL, TOTAL_TIMEOUT,
} from '../src/private/provider/timeouts';

const CODESTAR_TYPES = ['Custom::CodeStarProject', 'Custom::CodeStarTeamMember', 'Custom::CodeStarUserProfile'];

/**
 * A stack with `n` of everything: seeded projects with GitHub repositories, profiles, members. The
 * projects share a GitHub token and a toolchain role, as they usually do; each distinct secret
 * adds its own `secret.grantRead` statement.
 */
function populate(stack: Stack, n: number) {
  const toolchainRole = iam.Role.fromRoleName(stack, 'ToolchainRole', 'toolchain');
  const token = secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'github');
  for (let i = 0; i < n; i++) {
    const project = new CodeStarProject(stack, `Project${i}`, {
      projectId: `app-${i}`,
      projectName: `App ${i}`,
      sourceCode: [{
        source: ProjectSource.fromAsset(SEED_CODE_DIR),
        destination: CodeDestination.gitHub({ repositoryName: `app-${i}`, owner: 'octo', ownerType: GitHubOwnerType.USER, token }),
      }],
      toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, { role: toolchainRole }),
    });
    const user = new iam.User(stack, `User${i}`);
    new UserProfile(stack, `Profile${i}`, { user, displayName: `User ${i}`, emailAddress: `user${i}@example.org` });
    project.addTeamMember(`Member${i}`, { user, role: ProjectRole.OWNER, remoteAccessAllowed: true });
    new TeamMember(stack, `Legacy${i}`, { project: CodeStarProject.fromProjectId(stack, `Imported${i}`, `legacy-${i}`), user });
  }
}

describe('CodeStarProvider', () => {
  test('one provider serves every CodeStar resource of a stack', () => {
    const one = newStack('One');
    populate(one, 1);
    const many = newStack('Many');
    populate(many, 5);

    for (const type of ['AWS::Lambda::Function', 'AWS::StepFunctions::StateMachine', 'AWS::IAM::Role', 'AWS::Logs::LogGroup']) {
      expect(Object.keys(Template.fromStack(many).findResources(type)).length)
        .toEqual(Object.keys(Template.fromStack(one).findResources(type)).length);
    }
    // Two handler functions plus the provider framework's onEvent, isComplete and onTimeout.
    Template.fromStack(many).resourceCountIs('AWS::Lambda::Function', 5);
    Template.fromStack(many).resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    Template.fromStack(many).resourceCountIs('Custom::CodeStarProject', 5);
    Template.fromStack(many).resourceCountIs('Custom::CodeStarTeamMember', 10);
    Template.fromStack(many).resourceCountIs('Custom::CodeStarUserProfile', 5);
  });

  test('each stack gets its own provider', () => {
    const app = new App();
    const first = newStack('First', { app });
    const second = newStack('Second', { app });
    new UserProfile(first, 'Profile', { user: new iam.User(first, 'User'), displayName: 'A', emailAddress: 'a@example.org' });
    new UserProfile(second, 'Profile', { user: new iam.User(second, 'User'), displayName: 'B', emailAddress: 'b@example.org' });

    for (const stack of [first, second]) {
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Lambda::Function', 5);
      template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
      const profiles = template.findResources('Custom::CodeStarUserProfile');
      // The service token is a reference within the stack, not an import from another stack.
      expect(JSON.stringify(profiles)).not.toContain('Fn::ImportValue');
    }
  });

  test('runs the bundled handler from one asset on a pinned runtime', () => {
    const stack = newStack();
    populate(stack, 1);
    const template = Template.fromStack(stack);

    const handlers = template.findResources('AWS::Lambda::Function', { Properties: { Handler: Match.stringLikeRegexp('^index\\.(onEvent|isComplete)$') } });
    expect(Object.values(handlers).map((f: any) => f.Properties.Handler).sort()).toEqual(['index.isComplete', 'index.onEvent']);
    const keys = new Set(Object.values(handlers).map((f: any) => f.Properties.Code.S3Key));
    expect(keys.size).toEqual(1);
    const roles = new Set(Object.values(handlers).map((f: any) => JSON.stringify(f.Properties.Role)));
    expect(roles.size).toEqual(1);
    for (const f of Object.values(handlers) as any[]) {
      expect(f.Properties.Runtime).toEqual('nodejs22.x');
      expect(f.Properties.Timeout).toEqual(HANDLER_TIMEOUT.toSeconds());
      expect(f.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.any(String) });
    }
  });

  test('polls with a finite total timeout and every custom resource times out after it', () => {
    const stack = newStack();
    populate(stack, 1);
    const template = Template.fromStack(stack);

    // A project's own timeout (handler-enforced) comes first: its last poll and that invocation fit
    // before the serviceTimeout, and the provider's total timeout outlasts the longest one.
    expect(PROJECT_SERVICE_TIMEOUT.toSeconds())
      .toBeGreaterThan(DEFAULT_PROJECT_TIMEOUT.toSeconds() + QUERY_INTERVAL.toSeconds() + HANDLER_TIMEOUT.toSeconds());
    expect(TOTAL_TIMEOUT.toSeconds()).toBeGreaterThan(MAX_PROJECT_TIMEOUT.toSeconds());
    expect(MEMBER_SERVICE_TIMEOUT.toSeconds()).toBeGreaterThan(HANDLER_TIMEOUT.toSeconds());
    expect(MEMBER_SERVICE_TIMEOUT.toSeconds()).toBeLessThan(Duration.hours(1).toSeconds());
    template.hasResourceProperties('Custom::CodeStarProject', { ServiceTimeout: String(PROJECT_SERVICE_TIMEOUT.toSeconds()) });
    template.hasResourceProperties('Custom::CodeStarTeamMember', { ServiceTimeout: String(MEMBER_SERVICE_TIMEOUT.toSeconds()) });
    template.hasResourceProperties('Custom::CodeStarUserProfile', { ServiceTimeout: String(MEMBER_SERVICE_TIMEOUT.toSeconds()) });
    for (const type of CODESTAR_TYPES) {
      for (const resource of Object.values(template.findResources(type)) as any[]) {
        expect(Number(resource.Properties.ServiceTimeout)).toBeLessThanOrEqual(3600);
      }
    }
    // The waiter: 15 s between polls, an hour in all.
    const stateMachine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as any;
    const definition = JSON.stringify(stateMachine.Properties.DefinitionString);
    expect(definition).toContain('\\"IntervalSeconds\\":15');
    expect(definition).toContain(`\\"MaxAttempts\\":${TOTAL_TIMEOUT.toSeconds() / 15}`);
  });

  test('keeps every log for a finite time, and no execution data in the waiter logs', () => {
    const stack = newStack();
    populate(stack, 1);
    const template = Template.fromStack(stack);

    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup')) as any[];
    expect(logGroups).toHaveLength(4);
    for (const logGroup of logGroups) {
      expect(logGroup.Properties.RetentionInDays).toEqual(30);
      expect(logGroup.DeletionPolicy).toEqual('Delete');
    }
    for (const f of Object.values(template.findResources('AWS::Lambda::Function')) as any[]) {
      expect(f.Properties.LoggingConfig?.LogGroup).toBeDefined();
    }
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { IncludeExecutionData: false, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }] },
    });
    expect(template.findResources('Custom::LogRetention')).toEqual({});
  });

  test('each custom resource depends on the grant chunk that holds its grants, and on nothing else of the provider', () => {
    // Its service token orders it after the handler role and default policy (test/security/iam.test.ts
    // walks that chain); the chunk must outlive it when an update removes it (see below).
    const stack = newStack();
    populate(stack, 2);
    const template = Template.fromStack(stack).toJSON();
    const handlerResources = Object.keys(template.Resources).filter(id => id.startsWith('CodeStarProvider'));

    const resources = Object.values(template.Resources).filter((r: any) => CODESTAR_TYPES.includes(r.Type)) as any[];
    expect(resources).toHaveLength(8);
    for (const resource of resources) {
      const onProvider = (resource.DependsOn ?? []).filter((d: string) => handlerResources.includes(d));
      expect(onProvider.length).toBeGreaterThan(0);
      for (const id of onProvider) {
        expect(template.Resources[id].Type).toBe('AWS::IAM::ManagedPolicy');
        expect(id).toMatch(/^CodeStarProvider8f3c2aGrants/);
      }
    }
  });

  describe('handler permissions', () => {
    test('are scoped: no codestar:*, no "*" resource on any action', () => {
      const stack = newStack();
      populate(stack, 3);

      const statements = handlerStatements(stack);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        const actions = [statement.Action].flat();
        const resources = [statement.Resource].flat();
        expect(actions).not.toContain('codestar:*');
        expect(actions.some((a: string) => a.endsWith(':*') || a === '*')).toBe(false);
        expect(resources).not.toContain('*');
        expect(JSON.stringify(resources)).not.toMatch(/"\*"|:\*"/);
      }
    });

    test('name each declared project for itself and its team, and each imported project only for its team', () => {
      const stack = newStack();
      populate(stack, 2);
      const arn = (id: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:codestar:us-east-1:123456789012:project/${id}`]] });
      const statements = handlerStatements(stack);

      expect(statements).toEqual(expect.arrayContaining([
        {
          Sid: 'Projects',
          Effect: 'Allow',
          Action: [
            'codestar:CreateProject', 'codestar:DescribeProject', 'codestar:UpdateProject', 'codestar:DeleteProject',
            'codestar:TagProject', 'codestar:UntagProject', 'codestar:ListTagsForProject',
            'codestar:AssociateTeamMember', 'codestar:UpdateTeamMember', 'codestar:DisassociateTeamMember', 'codestar:ListTeamMembers',
          ],
          Resource: [arn('app-0'), arn('app-1')],
        },
        {
          Sid: 'Teams',
          Effect: 'Allow',
          Action: ['codestar:AssociateTeamMember', 'codestar:UpdateTeamMember', 'codestar:DisassociateTeamMember', 'codestar:ListTeamMembers'],
          Resource: [arn('legacy-0'), arn('legacy-1')],
        },
        {
          Sid: 'Profiles',
          Effect: 'Allow',
          Action: ['codestar:CreateUserProfile', 'codestar:UpdateUserProfile', 'codestar:DeleteUserProfile', 'codestar:DescribeUserProfile'],
          Resource: [{ 'Fn::GetAtt': [expect.stringMatching(/^User0/), 'Arn'] }, { 'Fn::GetAtt': [expect.stringMatching(/^User1/), 'Arn'] }],
        },
      ]));
    });

    test('grow by one ARN per resource, not by one statement', () => {
      const statementCount = (n: number) => {
        const stack = newStack();
        populate(stack, n);
        return handlerStatements(stack).length;
      };

      expect(statementCount(10)).toEqual(statementCount(2));
    });

    test('stay within IAM\'s policy size limits at any scale: bounded statements, split into managed policies', () => {
      // 90 of everything: 470 resources, near CloudFormation's 500 per stack.
      const stack = newStack();
      populate(stack, 90);
      const template = Template.fromStack(stack).toJSON();
      const role = Object.keys(template.Resources).find(id => template.Resources[id].Properties?.Description?.startsWith?.('cdk-codestar handler'))!;
      const policies = Object.values<any>(template.Resources)
        .filter(r => /^AWS::IAM::(Managed)?Policy$/.test(r.Type) && (r.Properties.Roles ?? []).some((x: any) => x.Ref === role));

      // IAM counts the deployed document without whitespace: 10,240 characters for all of a role's
      // inline policies, 6,144 for each managed policy, at most 10 managed policies per role.
      const chars = (p: any) => JSON.stringify(resolveForIam(p.Properties.PolicyDocument)).length;
      const inline = policies.filter(p => p.Type === 'AWS::IAM::Policy');
      const managed = policies.filter(p => p.Type === 'AWS::IAM::ManagedPolicy');
      expect(inline.reduce((sum, p) => sum + chars(p), 0)).toBeLessThanOrEqual(10_240);
      expect(managed.length).toBeGreaterThan(0);
      expect(managed.length).toBeLessThanOrEqual(10);
      for (const p of managed) {
        expect(chars(p)).toBeLessThanOrEqual(6_144);
      }

      // Nothing lost or doubled on the way: each declared project once, with its full set of actions.
      const statements = handlerStatements(stack);
      const projects = statements.filter(s => [s.Action].flat().includes('codestar:CreateProject')).flatMap(s => s.Resource);
      expect(projects).toHaveLength(90);
      expect(new Set(projects.map((r: unknown) => JSON.stringify(r))).size).toBe(90);
      // Sids are unique within each policy document.
      for (const p of policies) {
        const sids = [p.Properties.PolicyDocument.Statement].flat().map((s: any) => s.Sid).filter(Boolean);
        expect(new Set(sids).size).toBe(sids.length);
      }
    });

    test('stay within IAM\'s managed policy size with concrete ARNs, which CDK sizes exactly', () => {
      // 450 profiles of users known by ARN, in a stack with an account and region: every ARN in the
      // policy is a plain string, so CDK packs each overflow policy to its 6,000-character budget.
      const stack = new Stack(new App(), 'Profiles', { env: { account: '123456789012', region: 'us-east-1' } });
      for (let i = 0; i < 450; i++) {
        const user = iam.User.fromUserArn(stack, `User${i}`, `arn:aws:iam::123456789012:user/engineering/user-number-${i}`);
        new UserProfile(stack, `Profile${i}`, { user, displayName: `User ${i}`, emailAddress: `user${i}@example.org` });
      }
      const template = Template.fromStack(stack).toJSON();
      const managed = Object.values<any>(template.Resources).filter(r => r.Type === 'AWS::IAM::ManagedPolicy');
      expect(managed.length).toBeGreaterThan(1);
      for (const p of managed) {
        expect(JSON.stringify(resolveForIam(p.Properties.PolicyDocument)).length).toBeLessThanOrEqual(6_144);
      }
    });

    test('pass roles only to CodeStar', () => {
      const stack = newStack();
      populate(stack, 1);

      const passRole = handlerStatements(stack).filter((s) => [s.Action].flat().includes('iam:PassRole'));
      expect(passRole).toHaveLength(1);
      expect(passRole[0].Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'codestar.amazonaws.com' } });
    });

    test('read only the GitHub token secrets, each once', () => {
      const stack = newStack();
      const token = secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'github');
      for (const id of ['one', 'two']) {
        new CodeStarProject(stack, id, {
          projectId: id,
          projectName: id,
          sourceCode: [{
            source: ProjectSource.fromAsset(SEED_CODE_DIR),
            destination: CodeDestination.gitHub({ repositoryName: id, owner: 'octo', ownerType: GitHubOwnerType.USER, token }),
          }],
          toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE),
        });
      }

      const secretStatements = handlerStatements(stack).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
      expect(secretStatements).toEqual([{
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:us-east-1:123456789012:secret:github-??????']] }],
      }]);
    });

    test('are only what a stack of user profiles needs', () => {
      const stack = newStack();
      new UserProfile(stack, 'Profile', { user: new iam.User(stack, 'User'), displayName: 'A', emailAddress: 'a@example.org' });

      const actions = handlerStatements(stack).flatMap((s) => [s.Action].flat()).sort();
      expect(actions).toEqual([
        'codestar:CreateUserProfile', 'codestar:DeleteUserProfile', 'codestar:DescribeUserProfile', 'codestar:UpdateUserProfile',
        'logs:CreateLogStream', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:PutLogEvents',
      ]);
    });
  });

  test('warns about the end of new CodeStar projects only where projects are declared', () => {
    const stack = newStack();
    new UserProfile(stack, 'Profile', { user: new iam.User(stack, 'User'), displayName: 'A', emailAddress: 'a@example.org' });
    new TeamMember(stack, 'Member', { project: CodeStarProject.fromProjectId(stack, 'Imported', 'legacy'), user: new iam.User(stack, 'Other') });

    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('stopped accepting new projects'))).toHaveLength(0);
  });
});

/** A policy document as IAM stores it: pseudo parameters and Fn::Join resolved, references as ARNs of typical length. */
function resolveForIam(value: any): any {
  if (Array.isArray(value)) {
    return value.map(resolveForIam);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '123456789012' };
  if (typeof value.Ref === 'string') {
    return pseudo[value.Ref] ?? `arn:aws:iam::123456789012:user/${value.Ref}`;
  }
  if (value['Fn::GetAtt']) {
    return `arn:aws:iam::123456789012:user/${value['Fn::GetAtt'][0]}`;
  }
  if (value['Fn::Join']) {
    return value['Fn::Join'][1].map(resolveForIam).join(value['Fn::Join'][0]);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveForIam(v)]));
}
