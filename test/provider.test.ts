import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsCustomResource, AwsCustomResourcePolicy, CustomResourceConfig, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { errorOf, handlerStatements, literal, newStack, SEED_CODE_DIR, TOOLCHAIN_FILE } from './helpers';
import {
  CodeDestination, CodeStarProject, CodeStarProvider, CodeStarProviderProps, GitHubOwnerType, ProjectRole, ProjectSource, TeamMember, Toolchain,
  UserProfile,
} from '../src';
import {
  DEFAULT_PROJECT_TIMEOUT, HANDLER_TIMEOUT, MAX_PROJECT_TIMEOUT, MEMBER_SERVICE_TIMEOUT, PROJECT_SERVICE_TIMEOUT, QUERY_INTERVAL,
} from '../src/private/provider/timeouts';

const CODESTAR_TYPES = ['Custom::CodeStarProject', 'Custom::CodeStarTeamMember', 'Custom::CodeStarUserProfile'];

/** The function's logical id, written out: test/contract.test.ts explains why it never changes. */
const FUNCTION_ID = 'CodeStarProvider8f3c2aProviderframeworkonEvent737B3291';
const FUNCTION_ARN = { 'Fn::GetAtt': [FUNCTION_ID, 'Arn'] };

/**
 * The newest `lambda.Runtime.NODEJS_<n>_X` of the installed aws-cdk-lib, read here on its own (not
 * through the library's helper), so that the default runtime is checked against aws-cdk-lib itself.
 */
const NEWEST_NODE_RUNTIME: lambda.Runtime = Object.getOwnPropertyNames(lambda.Runtime)
  .map(name => ({ major: Number(/^NODEJS_(\d+)_X$/.exec(name)?.[1]), runtime: (lambda.Runtime as any)[name] as lambda.Runtime }))
  .filter(({ major }) => !Number.isNaN(major))
  .sort((a, b) => b.major - a.major)[0].runtime;

/** A runtime this aws-cdk-lib may not know yet: a declared `runtime` must render as given. */
const FUTURE_NODE_RUNTIME = new lambda.Runtime('nodejs98.x', lambda.RuntimeFamily.NODEJS);

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

/** `n` users, each with a profile and a membership of an imported project: no project of the stack's own. */
function populateMembers(stack: Stack, n: number) {
  for (let i = 0; i < n; i++) {
    const user = new iam.User(stack, `User${i}`);
    new UserProfile(stack, `Profile${i}`, { user, displayName: `User ${i}`, emailAddress: `user${i}@example.org` });
    new TeamMember(stack, `Legacy${i}`, { project: CodeStarProject.fromProjectId(stack, `Imported${i}`, `legacy-${i}`), user });
  }
}

/** Every resource that is neither one the test declared (`ownTypes`) nor a CodeStar custom resource, by logical id. */
function supportingResources(stack: Stack, ownTypes: string[]): Record<string, any> {
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
  return Object.fromEntries(Object.entries(resources).filter(([, r]) => !CODESTAR_TYPES.includes(r.Type) && !ownTypes.includes(r.Type)));
}

/** The IAM policies of the stack with a statement allowing lambda:InvokeFunction, by logical id. */
function invokePolicies(stack: Stack): Record<string, any> {
  const template = Template.fromStack(stack);
  const invoking = { Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'lambda:InvokeFunction' })]) } } };
  return { ...template.findResources('AWS::IAM::Policy', invoking), ...template.findResources('AWS::IAM::ManagedPolicy', invoking) };
}

/** The only Lambda function of the stack. */
function theFunction(stack: Stack): any {
  const functions = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
  expect(functions).toHaveLength(1);
  return functions[0];
}

/** The only log group of the stack. */
function theLogGroup(stack: Stack): any {
  const logGroups = Object.values(Template.fromStack(stack).findResources('AWS::Logs::LogGroup'));
  expect(logGroups).toHaveLength(1);
  return logGroups[0];
}

/** A stack with a member and a profile, and a `CodeStarProvider` with `props`. */
function configured(props: CodeStarProviderProps, build?: (stack: Stack) => CodeStarProviderProps): Stack {
  const stack = newStack();
  populateMembers(stack, 1);
  new CodeStarProvider(stack, 'Provider', { ...props, ...build?.(stack) });
  return stack;
}

describe('the stack provider', () => {
  test('is one function per stack, whatever the number of resources, and never a state machine', () => {
    const one = newStack('One');
    populate(one, 1);
    const many = newStack('Many');
    populate(many, 5);

    for (const type of ['AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::Logs::LogGroup']) {
      Template.fromStack(one).resourceCountIs(type, 1);
      Template.fromStack(many).resourceCountIs(type, 1);
    }
    for (const stack of [one, many]) {
      Template.fromStack(stack).resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    }
    Template.fromStack(many).resourceCountIs('Custom::CodeStarProject', 5);
    Template.fromStack(many).resourceCountIs('Custom::CodeStarTeamMember', 10);
    Template.fromStack(many).resourceCountIs('Custom::CodeStarUserProfile', 5);
  });

  test.each([1, 10])('a stack of %d members and profiles holds at most 6 supporting resources, no state machine and no leave to invoke itself', (n) => {
    const stack = newStack();
    populateMembers(stack, n);

    const supporting = supportingResources(stack, ['AWS::IAM::User']);
    expect(Object.keys(supporting).length).toBeLessThanOrEqual(6);
    expect(Object.values(supporting).map((r: any) => r.Type).sort()).toEqual(expect.arrayContaining(['AWS::IAM::Role', 'AWS::Lambda::Function', 'AWS::Logs::LogGroup']));
    Template.fromStack(stack).resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    expect(invokePolicies(stack)).toEqual({});
    expect(handlerStatements(stack).flatMap(s => [s.Action].flat())).not.toContain('lambda:InvokeFunction');
  });

  test('a stack of 100 members and profiles: the same 4 fixed resources, and the grant chunks bounded at 5', () => {
    // 200 ARNs do not fit one managed policy (6,144 characters): the chunks that keep each
    // resource's grants until it is deleted grow with the stack, to at most 5 (IAM's 10 managed
    // policies per role, old and new during an update). So 9 supporting resources here, not 6.
    const stack = newStack();
    populateMembers(stack, 100);

    const supporting = Object.values<any>(supportingResources(stack, ['AWS::IAM::User']));
    expect(supporting.filter(r => r.Type !== 'AWS::IAM::ManagedPolicy').map(r => r.Type).sort())
      .toEqual(['AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::Lambda::Function', 'AWS::Logs::LogGroup']);
    const chunks = supporting.filter(r => r.Type === 'AWS::IAM::ManagedPolicy');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThanOrEqual(5);
    Template.fromStack(stack).resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    expect(invokePolicies(stack)).toEqual({});
  });

  test('a stack with projects has the leave to invoke the function, on exactly its ARN, and every project depends on it', () => {
    const stack = newStack();
    populate(stack, 2);
    const template = Template.fromStack(stack).toJSON();

    const policies = invokePolicies(stack);
    expect(Object.keys(policies)).toHaveLength(1);
    const [[continueId, policy]] = Object.entries<any>(policies);
    expect(continueId).toMatch(/^CodeStarProvider8f3c2aContinue[0-9A-F]{8}$/);
    // Inline: the role's 10 managed policies are the grant chunks' (a chunk and its replacement during an update).
    expect(policy.Type).toBe('AWS::IAM::Policy');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: FUNCTION_ARN }]);
    expect(policy.Properties.Roles).toEqual([{ Ref: theFunction(stack).Properties.Role['Fn::GetAtt'][0] }]);
    // Its own policy, not the role's default one: the function depends on that one, and would on itself.
    expect(theFunction(stack).DependsOn).not.toContain(continueId);

    const byType = (type: string) => Object.values<any>(template.Resources).filter(r => r.Type === type);
    expect(byType('Custom::CodeStarProject')).toHaveLength(2);
    for (const project of byType('Custom::CodeStarProject')) {
      expect(project.DependsOn).toContain(continueId);
    }
    // A member or a profile answers in one invocation: it needs no such leave.
    for (const other of [...byType('Custom::CodeStarTeamMember'), ...byType('Custom::CodeStarUserProfile')]) {
      expect(other.DependsOn ?? []).not.toContain(continueId);
    }
  });

  test('each stack gets its own provider', () => {
    const app = new App();
    const first = newStack('First', { app });
    const second = newStack('Second', { app });
    new UserProfile(first, 'Profile', { user: new iam.User(first, 'User'), displayName: 'A', emailAddress: 'a@example.org' });
    new UserProfile(second, 'Profile', { user: new iam.User(second, 'User'), displayName: 'B', emailAddress: 'b@example.org' });

    for (const stack of [first, second]) {
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Lambda::Function', 1);
      template.hasResourceProperties('Custom::CodeStarUserProfile', { ServiceToken: FUNCTION_ARN });
      // The service token is a reference within the stack, not an import from another stack.
      expect(JSON.stringify(template.findResources('Custom::CodeStarUserProfile'))).not.toContain('Fn::ImportValue');
    }
  });

  test('runs the bundled handler from one asset, with its timeout, on the newest Node.js runtime of aws-cdk-lib', () => {
    const stack = newStack();
    populate(stack, 2);

    const fn = theFunction(stack);
    expect(fn.Properties.Handler).toBe('index.handler');
    expect(fn.Properties.Code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
    expect(fn.Properties.Timeout).toBe(HANDLER_TIMEOUT.toSeconds());
    expect(fn.Properties.Runtime).toBe(NEWEST_NODE_RUNTIME.name);
    expect(Number(/^nodejs(\d+)\.x$/.exec(fn.Properties.Runtime)?.[1])).toBeGreaterThanOrEqual(22);
    expect(fn.Properties).not.toHaveProperty('VpcConfig');
    expect(fn.Properties).not.toHaveProperty('KmsKeyArn');
    expect(fn.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  test('brings one asset: the handler bundle', () => {
    // Members and profiles only: the stack has no seed code or toolchain assets of its own.
    const app = new App();
    const stack = newStack('Stack', { app });
    populateMembers(stack, 3);
    const assembly = app.synth();

    const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'Stack.assets.json'), 'utf-8'));
    const files = Object.keys(manifest.files).filter(hash => manifest.files[hash].source.packaging === 'zip');
    expect(files).toHaveLength(1);
    expect(theFunction(stack).Properties.Code.S3Key).toBe(`${files[0]}.zip`);
  });

  test('keeps its log for one month in a log group of its own, and no Custom::LogRetention', () => {
    const stack = newStack();
    populate(stack, 1);
    const template = Template.fromStack(stack);

    const logGroups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(logGroups)).toHaveLength(1);
    const [[logGroupId, logGroup]] = Object.entries<any>(logGroups);
    expect(logGroup.Properties).toEqual({ RetentionInDays: 30 });
    expect(logs.RetentionDays.ONE_MONTH).toBe(30);
    expect(logGroup.DeletionPolicy).toBe('Delete');
    expect(theFunction(stack).Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
    expect(template.findResources('Custom::LogRetention')).toEqual({});
  });

  test('every custom resource times out after its handler could, and within an hour', () => {
    const stack = newStack();
    populate(stack, 1);
    const template = Template.fromStack(stack);

    // A project's own timeout (handler-enforced) comes first: its last check and that invocation
    // fit before its serviceTimeout, which stays within CloudFormation's hour even at the longest.
    expect(PROJECT_SERVICE_TIMEOUT.toSeconds())
      .toBeGreaterThan(DEFAULT_PROJECT_TIMEOUT.toSeconds() + QUERY_INTERVAL.toSeconds() + HANDLER_TIMEOUT.toSeconds());
    expect(MAX_PROJECT_TIMEOUT.toSeconds() + (PROJECT_SERVICE_TIMEOUT.toSeconds() - DEFAULT_PROJECT_TIMEOUT.toSeconds())).toBeLessThanOrEqual(3600);
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
  });

  test('each custom resource depends on the grant chunk that holds its grants, a project also on the leave to continue, and on nothing else of the provider', () => {
    // Its service token orders it after the function, the handler role and default policy
    // (test/security/iam.test.ts walks that chain); the chunk must outlive it when an update removes it.
    const stack = newStack();
    populate(stack, 2);
    const template = Template.fromStack(stack).toJSON();
    const providerResources = Object.keys(template.Resources).filter(id => id.startsWith('CodeStarProvider8f3c2a'));

    const resources = Object.values(template.Resources).filter((r: any) => CODESTAR_TYPES.includes(r.Type)) as any[];
    expect(resources).toHaveLength(8);
    for (const resource of resources) {
      const onProvider = (resource.DependsOn ?? []).filter((d: string) => providerResources.includes(d));
      const chunks = onProvider.filter((id: string) => /^CodeStarProvider8f3c2aGrants/.test(id));
      expect(chunks.length).toBeGreaterThan(0);
      for (const id of chunks) {
        expect(id).toMatch(/^CodeStarProvider8f3c2aGrants/);
      }
      const others = onProvider.filter((id: string) => !chunks.includes(id));
      expect(others).toEqual(resource.Type === 'Custom::CodeStarProject' ? [expect.stringMatching(/^CodeStarProvider8f3c2aContinue/)] : []);
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
      // During an update a changed chunk's replacement is attached before the chunk is detached:
      // old and new together within the 10, with no other managed policy on the role.
      expect(managed.length * 2).toBeLessThanOrEqual(10);
      expect(Object.values<any>(template.Resources).filter(r => r.Type === 'AWS::IAM::ManagedPolicy')).toEqual(managed);
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

    test('are only what a stack of user profiles needs: its profiles, and writing to its own log group', () => {
      const stack = newStack();
      new UserProfile(stack, 'Profile', { user: new iam.User(stack, 'User'), displayName: 'A', emailAddress: 'a@example.org' });

      const statements = handlerStatements(stack);
      expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual([
        'codestar:CreateUserProfile', 'codestar:DeleteUserProfile', 'codestar:DescribeUserProfile', 'codestar:UpdateUserProfile',
        'logs:CreateLogStream', 'logs:PutLogEvents',
      ]);
      const logGroupId = Object.keys(Template.fromStack(stack).findResources('AWS::Logs::LogGroup'))[0];
      expect(statements.find(s => [s.Action].flat().includes('logs:PutLogEvents')).Resource).toEqual([{ 'Fn::GetAtt': [logGroupId, 'Arn'] }]);
    });
  });

  test('warns about the end of new CodeStar projects only where projects are declared', () => {
    const stack = newStack();
    new UserProfile(stack, 'Profile', { user: new iam.User(stack, 'User'), displayName: 'A', emailAddress: 'a@example.org' });
    new TeamMember(stack, 'Member', { project: CodeStarProject.fromProjectId(stack, 'Imported', 'legacy'), user: new iam.User(stack, 'Other') });
    const withProjects = newStack('WithProjects');
    populate(withProjects, 2);

    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('stopped accepting new projects'))).toHaveLength(0);
    // Once per stack, however many projects it declares.
    expect(Annotations.fromStack(withProjects).findWarning('*', Match.stringLikeRegexp('stopped accepting new projects'))).toHaveLength(1);
  });
});

describe('CodeStarProvider', () => {
  test('vpc, vpcSubnets and securityGroups place the function in the VPC, and its role may manage the network interfaces', () => {
    const stack = configured({}, s => {
      const vpc = new ec2.Vpc(s, 'Vpc', {
        subnetConfiguration: [
          { name: 'Egress', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
          { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        ],
      });
      const securityGroup = new ec2.SecurityGroup(s, 'Group', { vpc });
      return { vpc, vpcSubnets: { subnetGroupName: 'Isolated' }, securityGroups: [securityGroup] };
    });
    const template = Template.fromStack(stack);

    const isolated = Object.keys(template.findResources('AWS::EC2::Subnet', { Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-name', Value: 'Isolated' }]) } }));
    expect(isolated.length).toBeGreaterThan(0);
    const groupId = Object.keys(template.findResources('AWS::EC2::SecurityGroup'));
    // Only the given group: none made for the function.
    expect(groupId).toHaveLength(1);
    expect(theFunction(stack).Properties.VpcConfig).toEqual({
      SubnetIds: isolated.map(id => ({ Ref: id })),
      SecurityGroupIds: [{ 'Fn::GetAtt': [groupId[0], 'GroupId'] }],
    });
    expect(handlerStatements(stack)).toContainEqual({
      Effect: 'Allow',
      Action: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      Resource: ['*'],
    });
  });

  test('vpc alone: the private subnets and a security group of the function\'s own', () => {
    const stack = configured({}, s => ({ vpc: new ec2.Vpc(s, 'Vpc') }));
    const template = Template.fromStack(stack);

    const privateSubnets = Object.keys(template.findResources('AWS::EC2::Subnet', { Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Private' }]) } }));
    expect(privateSubnets.length).toBeGreaterThan(0);
    const vpcConfig = theFunction(stack).Properties.VpcConfig;
    expect(vpcConfig.SubnetIds).toEqual(privateSubnets.map(id => ({ Ref: id })));
    expect(vpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^CodeStarProvider8f3c2a/), 'GroupId'] }]);
  });

  test('without a vpc, the role has no network interface statement', () => {
    const stack = newStack();
    populateMembers(stack, 1);

    expect(handlerStatements(stack).flatMap(s => [s.Action].flat()).filter((a: string) => a.startsWith('ec2:'))).toEqual([]);
  });

  test('encryptionKey encrypts the log group and the environment, and lets CloudWatch Logs use the key', () => {
    const stack = configured({}, s => ({ encryptionKey: new kms.Key(s, 'Key') }));
    const template = Template.fromStack(stack);
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));

    expect(theLogGroup(stack).Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(theFunction(stack).Properties.KmsKeyArn).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Allow',
          Principal: { Service: 'logs.us-east-1.amazonaws.com' },
          Action: Match.arrayWith(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*']),
        })]),
      },
    });
  });

  test('logRetention sets the log group\'s retention', () => {
    const stack = configured({ logRetention: logs.RetentionDays.ONE_YEAR });

    expect(theLogGroup(stack).Properties.RetentionInDays).toBe(365);
  });

  test.each([
    ['runtime', { runtime: FUTURE_NODE_RUNTIME }, { Runtime: 'nodejs98.x' }],
    ['runtime (Node.js 22)', { runtime: lambda.Runtime.NODEJS_22_X }, { Runtime: 'nodejs22.x' }],
    ['architecture', { architecture: lambda.Architecture.ARM_64 }, { Architectures: ['arm64'] }],
    ['memorySize', { memorySize: 512 }, { MemorySize: 512 }],
    ['reservedConcurrentExecutions', { reservedConcurrentExecutions: 2 }, { ReservedConcurrentExecutions: 2 }],
  ] as const)('%s is rendered on the function', (_name, props, rendered) => {
    const stack = configured(props);

    expect(theFunction(stack).Properties).toEqual(expect.objectContaining(rendered));
  });

  test('without settings, or without any CodeStarProvider, the function has the defaults', () => {
    const declared = configured({});
    const undeclared = newStack();
    populateMembers(undeclared, 1);

    expect(Template.fromStack(declared).toJSON()).toEqual(Template.fromStack(undeclared).toJSON());
    const fn = theFunction(undeclared);
    for (const property of ['Architectures', 'ReservedConcurrentExecutions', 'VpcConfig', 'KmsKeyArn']) {
      expect([property, fn.Properties[property]]).toEqual([property, undefined]);
    }
    // More than Lambda's 128 MiB (Serverless-LambdaDefaultMemorySize): also CPU for a cold start.
    expect(fn.Properties.MemorySize).toBe(256);
    expect(fn.Properties.Runtime).toBe(NEWEST_NODE_RUNTIME.name);
    expect(theLogGroup(undeclared).Properties).toEqual({ RetentionInDays: logs.RetentionDays.ONE_MONTH });
  });

  test('declared before or after the CodeStar constructs, and in a construct of its own, gives the same template', () => {
    const settings = (stack: Stack): CodeStarProviderProps => ({
      memorySize: 256, logRetention: logs.RetentionDays.ONE_WEEK, encryptionKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    });
    const before = newStack();
    new CodeStarProvider(before, 'Provider', settings(before));
    populate(before, 2);
    const after = newStack();
    populate(after, 2);
    new CodeStarProvider(after, 'Provider', settings(after));
    const nested = newStack();
    populate(nested, 2);
    new CodeStarProvider(new Construct(nested, 'Settings'), 'Provider', settings(nested));

    const expected = Template.fromStack(before).toJSON();
    expect(theFunction(before).Properties.MemorySize).toBe(256);
    expect(theLogGroup(before).Properties.RetentionInDays).toBe(7);
    expect(Template.fromStack(after).toJSON()).toEqual(expected);
    expect(Template.fromStack(nested).toJSON()).toEqual(expected);
  });

  test('serves the stack it is declared in, from a construct nested in it, and not another stack', () => {
    const app = new App();
    const configuredStack = newStack('Configured', { app });
    const otherStack = newStack('Other', { app });
    populateMembers(configuredStack, 1);
    populateMembers(otherStack, 1);
    new CodeStarProvider(new Construct(configuredStack, 'Settings'), 'Provider', { memorySize: 1024 });

    expect(theFunction(configuredStack).Properties.MemorySize).toBe(1024);
    expect(theFunction(otherStack).Properties.MemorySize).toBe(256);
  });

  test('fails when a stack declares a second one, naming both', () => {
    const stack = newStack();
    new CodeStarProvider(stack, 'First');

    const message = errorOf(() => new CodeStarProvider(stack, 'Second', { memorySize: 256 }));
    expect(message).toMatch(literal('Stack/Second'));
    expect(message).toMatch(literal('Stack/First'));
    expect(message).toMatch(/one CodeStarProvider/);
  });

  test('a second one in another stack of the same app is fine', () => {
    const app = new App();
    new CodeStarProvider(newStack('A', { app }), 'Provider');
    expect(() => new CodeStarProvider(newStack('B', { app }), 'Provider')).not.toThrow();
  });

  test.each([
    ['memorySize is 64', { memorySize: 64 }, 'CodeStarProvider memorySize 64 is invalid: an integer from 128 to 10240 (MiB)'],
    ['memorySize is 10241', { memorySize: 10241 }, 'CodeStarProvider memorySize 10241 is invalid: an integer from 128 to 10240 (MiB)'],
    ['memorySize is not an integer', { memorySize: 128.5 }, 'CodeStarProvider memorySize 128.5 is invalid: an integer from 128 to 10240 (MiB)'],
    ['reservedConcurrentExecutions is 0', { reservedConcurrentExecutions: 0 }, 'CodeStarProvider reservedConcurrentExecutions 0 is invalid: an integer of at least 1'],
    ['runtime is nodejs20.x', { runtime: lambda.Runtime.NODEJS_20_X }, 'CodeStarProvider runtime "nodejs20.x" is invalid: a Node.js runtime, nodejs22.x or newer'],
    ['runtime is Python', { runtime: lambda.Runtime.PYTHON_3_12 }, 'CodeStarProvider runtime "python3.12" is invalid: a Node.js runtime, nodejs22.x or newer'],
    ['vpcSubnets is set without vpc', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }, 'CodeStarProvider vpcSubnets is set without vpc: it places the function in a VPC, so it needs vpc'],
  ] as const)('fails when %s, naming the path, the property, the value and the rule', (_name, props, message) => {
    const stack = newStack();

    expect(() => new CodeStarProvider(stack, 'Provider', props as CodeStarProviderProps)).toThrow(literal(`Stack/Provider: ${message}`));
  });

  test('takes NODEJS_LATEST at what the installed aws-cdk-lib makes of it: refused below nodejs22.x, naming the version', () => {
    // NODEJS_LATEST is a variable runtime: nodejs18.x on the floor, newer on later aws-cdk-lib releases.
    const latest = lambda.Runtime.NODEJS_LATEST.name;
    const major = Number(/^nodejs(\d+)\.x$/.exec(latest)?.[1]);
    const declare = () => new CodeStarProvider(newStack(), 'Provider', { runtime: lambda.Runtime.NODEJS_LATEST });

    if (major < 22) {
      expect(declare).toThrow(literal(`Stack/Provider: CodeStarProvider runtime "${latest}" is invalid: a Node.js runtime, nodejs22.x or newer`));
    } else {
      expect(declare).not.toThrow();
    }
  });

  test('fails when securityGroups are set without vpc', () => {
    const stack = newStack();
    const group = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Group', 'sg-12345678');

    expect(() => new CodeStarProvider(stack, 'Provider', { securityGroups: [group] }))
      .toThrow(literal('Stack/Provider: CodeStarProvider securityGroups is set without vpc'));
  });

  test('fails with every problem at once', () => {
    const stack = newStack();

    const message = errorOf(() => new CodeStarProvider(stack, 'Provider', { memorySize: 64, reservedConcurrentExecutions: 0 }));
    expect(message).toMatch(literal('memorySize 64'));
    expect(message).toMatch(literal('reservedConcurrentExecutions 0'));
  });

  test('a failed declaration leaves the stack\'s provider unconfigured', () => {
    const stack = newStack();
    expect(() => new CodeStarProvider(stack, 'Bad', { memorySize: 64 })).toThrow();
    // A valid one may still be declared; the invalid one was not taken.
    new CodeStarProvider(stack, 'Good', { memorySize: 256 });
    populateMembers(stack, 1);

    expect(theFunction(stack).Properties.MemorySize).toBe(256);
  });

  test('accepts tokens, left for CloudFormation to check', () => {
    const stack = newStack();
    const memory = new CfnParameter(stack, 'Memory', { type: 'Number' });
    populateMembers(stack, 1);
    new CodeStarProvider(stack, 'Provider', { memorySize: memory.valueAsNumber });

    expect(theFunction(stack).Properties.MemorySize).toEqual({ Ref: 'Memory' });
  });
});

describe('CustomResourceConfig', () => {
  /** A stack of the app with a CodeStar member and profile, and one of aws-cdk-lib's own custom resources to compare with. */
  function appWith(configure: (app: App) => void, props?: CodeStarProviderProps): { stack: Stack; ownLogGroup: () => any } {
    const app = new App();
    const stack = newStack('Stack', { app });
    populateMembers(stack, 1);
    if (props) {
      new CodeStarProvider(stack, 'Provider', props);
    }
    new AwsCustomResource(stack, 'AwsOwn', {
      onCreate: { service: 'SSM', action: 'getParameter', parameters: { Name: 'x' }, physicalResourceId: PhysicalResourceId.of('x') },
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
    });
    configure(app);
    const ownLogGroup = () => {
      const own = Object.entries<any>(Template.fromStack(stack).findResources('AWS::Logs::LogGroup')).filter(([id]) => !id.startsWith('CodeStarProvider8f3c2a'));
      expect(own).toHaveLength(1);
      return own[0][1];
    };
    return { stack, ownLogGroup };
  }

  /** The provider's log group. */
  function providerLogGroup(stack: Stack): any {
    const groups = Object.entries<any>(Template.fromStack(stack).findResources('AWS::Logs::LogGroup')).filter(([id]) => id.startsWith('CodeStarProvider8f3c2a'));
    expect(groups).toHaveLength(1);
    return groups[0][1];
  }

  test('addLogRetentionLifetime sets the retention of the provider\'s log group, as of aws-cdk-lib\'s own', () => {
    const { stack, ownLogGroup } = appWith(app => CustomResourceConfig.of(app).addLogRetentionLifetime(logs.RetentionDays.ONE_WEEK));

    expect(providerLogGroup(stack).Properties.RetentionInDays).toBe(7);
    expect(ownLogGroup().Properties.RetentionInDays).toBe(7);
  });

  test('addLogRetentionLifetime wins over the declared logRetention, as an app-wide setting', () => {
    const { stack } = appWith(
      app => CustomResourceConfig.of(app).addLogRetentionLifetime(logs.RetentionDays.TWO_WEEKS),
      { logRetention: logs.RetentionDays.ONE_YEAR },
    );

    expect(providerLogGroup(stack).Properties.RetentionInDays).toBe(14);
  });

  test('addRemovalPolicy sets the removal policy of the provider\'s log group', () => {
    const { stack, ownLogGroup } = appWith(app => {
      CustomResourceConfig.of(app).addLogRetentionLifetime(logs.RetentionDays.ONE_WEEK);
      CustomResourceConfig.of(app).addRemovalPolicy(RemovalPolicy.RETAIN);
    });

    const logGroup = providerLogGroup(stack);
    expect([logGroup.DeletionPolicy, logGroup.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect(ownLogGroup().DeletionPolicy).toBe('Retain');
  });

  test('addLambdaRuntime sets the function\'s runtime, over the declared one', () => {
    const { stack } = appWith(app => CustomResourceConfig.of(app).addLambdaRuntime(lambda.Runtime.NODEJS_22_X), { runtime: FUTURE_NODE_RUNTIME });

    expect(theCodeStarFunction(stack).Properties.Runtime).toBe('nodejs22.x');
  });

  test('addLambdaRuntime of another family leaves the function alone', () => {
    const { stack } = appWith(app => CustomResourceConfig.of(app).addLambdaRuntime(lambda.Runtime.PYTHON_3_12), { runtime: FUTURE_NODE_RUNTIME });

    expect(theCodeStarFunction(stack).Properties.Runtime).toBe('nodejs98.x');
  });

  test('works as well with aws-cdk-lib\'s stabilized aspects (@aws-cdk/core:aspectStabilization)', () => {
    const app = new App({ context: { '@aws-cdk/core:aspectStabilization': true } });
    const stack = newStack('Stack', { app });
    populate(stack, 1);
    new CodeStarProvider(stack, 'Provider', { runtime: FUTURE_NODE_RUNTIME });
    CustomResourceConfig.of(app).addLogRetentionLifetime(logs.RetentionDays.ONE_WEEK);
    CustomResourceConfig.of(app).addLambdaRuntime(lambda.Runtime.NODEJS_22_X);

    expect(theLogGroup(stack).Properties.RetentionInDays).toBe(7);
    expect(theFunction(stack).Properties.Runtime).toBe('nodejs22.x');
    Template.fromStack(stack).hasResource('Custom::CodeStarProject', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('^CodeStarProvider8f3c2aContinue')]) });
  });

  test('on one stack only, leaves the provider of another stack alone', () => {
    const app = new App();
    const configuredStack = newStack('Configured', { app });
    const otherStack = newStack('Other', { app });
    populateMembers(configuredStack, 1);
    populateMembers(otherStack, 1);
    CustomResourceConfig.of(configuredStack).addLogRetentionLifetime(logs.RetentionDays.ONE_WEEK);

    expect(theLogGroup(configuredStack).Properties.RetentionInDays).toBe(7);
    expect(theLogGroup(otherStack).Properties.RetentionInDays).toBe(30);
  });
});

/** The provider's function, among aws-cdk-lib's own. */
function theCodeStarFunction(stack: Stack): any {
  const fn = Template.fromStack(stack).toJSON().Resources[FUNCTION_ID];
  expect(fn?.Type).toBe('AWS::Lambda::Function');
  return fn;
}

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
