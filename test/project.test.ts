import { App, Aspects, Aws, CfnParameter, CfnResource, CustomResource, Duration, Lazy, RemovalPolicy, SecretValue, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { errorOf, handlerStatement, literal, newStack, SEED_CODE_DIR, TOOLCHAIN_FILE } from './helpers';
import {
  CodeDestination, CodeStarProject, CodeStarProjectProps, GitHubOwnerType, ProjectRole, ProjectSource, TeamMember, Toolchain,
} from '../src';
import { userTemplate } from '../src/testing';

const PROJECT = 'Custom::CodeStarProject';

function seededProps(overrides: Partial<CodeStarProjectProps> = {}): CodeStarProjectProps {
  return {
    projectId: 'my-app',
    projectName: 'My App',
    sourceCode: [{
      source: ProjectSource.fromAsset(SEED_CODE_DIR),
      destination: CodeDestination.codeCommit({ repositoryName: 'my-app' }),
    }],
    toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, { stackParameters: { ProjectId: 'my-app' } }),
    ...overrides,
  };
}

function projectArn(id: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:codestar:us-east-1:123456789012:project/${id}`]] };
}

describe('CodeStarProject', () => {
  test('renders only the given properties, with the API member names', () => {
    const stack = newStack();
    new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });

    Template.fromStack(stack).hasResource(PROJECT, {
      Properties: Match.objectEquals({
        ServiceToken: Match.anyValue(),
        ServiceTimeout: '2100',
        id: 'my-app',
        name: 'My App',
        deleteStack: false,
        deletionProtection: true,
      }),
    });
  });

  test('renders the description, seed code and toolchain', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleName(stack, 'ToolchainRole', 'CodeStarWorker-my-app-ToolChain');
    new CodeStarProject(stack, 'Project', seededProps({
      description: 'Our service',
      toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, { role, stackParameters: { ProjectId: 'my-app', Stage: 'prod' } }),
    }));

    Template.fromStack(stack).hasResourceProperties(PROJECT, {
      id: 'my-app',
      name: 'My App',
      description: 'Our service',
      sourceCode: [{
        source: { s3: { bucketName: 'cdk-hnb659fds-assets-123456789012-us-east-1', bucketKey: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$') } },
        destination: Match.objectEquals({ codeCommit: { name: 'my-app' } }),
      }],
      toolchain: {
        source: { s3: { bucketName: Match.anyValue(), bucketKey: Match.stringLikeRegexp('^[0-9a-f]{64}\\.yml$') } },
        roleArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:role/CodeStarWorker-my-app-ToolChain']] },
        stackParameters: { ProjectId: 'my-app', Stage: 'prod' },
      },
    });
  });

  test('renders sources from existing buckets and grants the handler read on exactly those objects', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'seed-bucket');
    new CodeStarProject(stack, 'Project', seededProps({
      sourceCode: [{ source: ProjectSource.fromBucket(bucket, 'seed/app.zip'), destination: CodeDestination.codeCommit({ repositoryName: 'app' }) }],
      toolchain: Toolchain.fromBucket(bucket, 'toolchain.yml'),
    }));

    Template.fromStack(stack).hasResourceProperties(PROJECT, {
      sourceCode: [{ source: { s3: { bucketName: 'seed-bucket', bucketKey: 'seed/app.zip' } } }],
      toolchain: Match.objectEquals({ source: { s3: { bucketName: 'seed-bucket', bucketKey: 'toolchain.yml' } } }),
    });
    expect(handlerStatement(stack, 'SourceObjects')).toEqual({
      Sid: 'SourceObjects',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::seed-bucket/seed/app.zip']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::seed-bucket/toolchain.yml']] },
      ],
    });
  });

  test('grants the handler read on the asset objects it passes, not on the whole asset bucket', () => {
    const stack = newStack();
    new CodeStarProject(stack, 'Project', seededProps());

    const statement = handlerStatement(stack, 'SourceObjects');
    expect(statement.Action).toEqual('s3:GetObject');
    expect(JSON.stringify(statement.Resource)).toMatch(/\/[0-9a-f]{64}\.zip"/);
    expect(JSON.stringify(statement.Resource)).toMatch(/\/[0-9a-f]{64}\.yml"/);
    expect(JSON.stringify(statement.Resource)).not.toMatch(/\/\*"/);
  });

  test('grants the handler decryption with the key of an encrypted source bucket', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    const bucket = s3.Bucket.fromBucketAttributes(stack, 'Bucket', { bucketName: 'seed-bucket', encryptionKey: key });
    new CodeStarProject(stack, 'Project', seededProps({ toolchain: Toolchain.fromBucket(bucket, 'toolchain.yml') }));

    const template = Template.fromStack(stack);
    const grantsDecrypt = JSON.stringify(template.findResources('AWS::IAM::Policy')).includes('kms:Decrypt');
    expect(grantsDecrypt).toBe(true);
  });

  describe('GitHub destinations', () => {
    test('render the secret ARN, never the token, with safe defaults', () => {
      const stack = newStack();
      const token = secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'github-token');
      new CodeStarProject(stack, 'Project', seededProps({
        sourceCode: [{
          source: ProjectSource.fromAsset(SEED_CODE_DIR),
          destination: CodeDestination.gitHub({ repositoryName: 'my-app', owner: 'octo', ownerType: GitHubOwnerType.ORGANIZATION, token }),
        }],
      }));

      Template.fromStack(stack).hasResourceProperties(PROJECT, {
        sourceCode: [{
          destination: Match.objectEquals({
            gitHub: {
              name: 'my-app',
              type: 'Organization',
              owner: 'octo',
              privateRepository: true,
              issuesEnabled: false,
              tokenSecretArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:us-east-1:123456789012:secret:github-token']] },
            },
          }),
        }],
      });
    });

    test('render the description, visibility, issues and JSON field when given', () => {
      const stack = newStack();
      const token = secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'github');
      new CodeStarProject(stack, 'Project', seededProps({
        sourceCode: [{
          source: ProjectSource.fromAsset(SEED_CODE_DIR),
          destination: CodeDestination.gitHub({
            repositoryName: 'my-app',
            owner: 'octocat',
            ownerType: GitHubOwnerType.USER,
            description: 'Seed repository',
            privateRepository: false,
            issuesEnabled: true,
            token,
            tokenJsonField: 'token',
          }),
        }],
      }));

      Template.fromStack(stack).hasResourceProperties(PROJECT, {
        sourceCode: [{
          destination: {
            gitHub: {
              name: 'my-app',
              description: 'Seed repository',
              type: 'User',
              owner: 'octocat',
              privateRepository: false,
              issuesEnabled: true,
              tokenSecretJsonField: 'token',
            },
          },
        }],
      });
    });

    test('keep the token value out of the template and grant the handler read on the secret only', () => {
      const app = new App();
      const env = { account: '123456789012', region: 'us-east-1' };
      const secrets = new Stack(app, 'Secrets', { env });
      const token = new secretsmanager.Secret(secrets, 'GitHubToken', {
        secretStringValue: SecretValue.unsafePlainText('ghp_doNotLeakThisToken0123456789'),
      });
      const stack = new Stack(app, 'Stack', { env });
      new CodeStarProject(stack, 'Project', seededProps({
        sourceCode: [{
          source: ProjectSource.fromAsset(SEED_CODE_DIR),
          destination: CodeDestination.gitHub({ repositoryName: 'my-app', owner: 'octo', ownerType: GitHubOwnerType.USER, token }),
        }],
      }));

      expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('ghp_doNotLeakThisToken0123456789');
      Template.fromStack(stack).hasResourceProperties(PROJECT, {
        sourceCode: [{ destination: { gitHub: { tokenSecretArn: { 'Fn::ImportValue': Match.stringLikeRegexp('GitHubToken') } } } }],
      });
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([{
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: { 'Fn::ImportValue': Match.stringLikeRegexp('GitHubToken') },
          }]),
        },
      });
    });

    test('in the same stack, only the secret itself holds the token value', () => {
      const stack = newStack();
      const token = new secretsmanager.Secret(stack, 'GitHubToken', {
        secretStringValue: SecretValue.unsafePlainText('ghp_doNotLeakThisToken0123456789'),
      });
      new CodeStarProject(stack, 'Project', seededProps({
        sourceCode: [{
          source: ProjectSource.fromAsset(SEED_CODE_DIR),
          destination: CodeDestination.gitHub({ repositoryName: 'my-app', owner: 'octo', ownerType: GitHubOwnerType.USER, token }),
        }],
      }));

      const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>;
      const holders = Object.values(resources).filter((r) => JSON.stringify(r).includes('ghp_doNotLeakThisToken0123456789'));
      expect(holders.map((r) => r.Type)).toEqual(['AWS::SecretsManager::Secret']);
    });

    test('grant the handler decryption with the secret key', () => {
      const stack = newStack();
      const key = new kms.Key(stack, 'Key');
      const token = new secretsmanager.Secret(stack, 'GitHubToken', { encryptionKey: key });
      new CodeStarProject(stack, 'Project', seededProps({
        sourceCode: [{
          source: ProjectSource.fromAsset(SEED_CODE_DIR),
          destination: CodeDestination.gitHub({ repositoryName: 'my-app', owner: 'octo', ownerType: GitHubOwnerType.USER, token }),
        }],
      }));

      expect(JSON.stringify(Template.fromStack(stack).toJSON())).toContain('kms:Decrypt');
    });
  });

  test('passes toolchain roles only to CodeStar', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleName(stack, 'ToolchainRole', 'toolchain');
    new CodeStarProject(stack, 'Project', seededProps({ toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, { role }) }));

    expect(handlerStatement(stack, 'PassRoles')).toEqual({
      Sid: 'PassRoles',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:role/toolchain']] }],
      Condition: { StringEquals: { 'iam:PassedToService': 'codestar.amazonaws.com' } },
    });
  });

  test('grants no iam:PassRole without a toolchain role', () => {
    const stack = newStack();
    new CodeStarProject(stack, 'Project', seededProps());

    expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'))).not.toContain('iam:PassRole');
  });

  describe('tags', () => {
    test('Tags.of renders a tags map', () => {
      const stack = newStack();
      const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
      Tags.of(project).add('team', 'blue');
      Tags.of(stack).add('cost-center', '42');

      Template.fromStack(stack).hasResourceProperties(PROJECT, {
        tags: Match.objectEquals({ 'team': 'blue', 'cost-center': '42' }),
      });
    });

    test('Tags.of(...).remove and resource type filters apply', () => {
      const stack = newStack();
      const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
      Tags.of(project).add('team', 'blue');
      Tags.of(project).add('only-buckets', 'x', { includeResourceTypes: ['AWS::S3::Bucket'] });
      Tags.of(project).add('removed', 'x');
      Tags.of(project).remove('removed');

      Template.fromStack(stack).hasResourceProperties(PROJECT, { tags: Match.objectEquals({ team: 'blue' }) });
    });

    test('accepts the widest valid tags: Unicode letters, 128-character keys, empty values', () => {
      const stack = newStack();
      const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
      Tags.of(project).add('Équipe 1_.:/=+-@', '');
      Tags.of(project).add('k'.repeat(128), 'v'.repeat(256));

      expect(() => Template.fromStack(stack)).not.toThrow();
    });

    test('fails when a tag key has a character outside the TagKey pattern', () => {
      const stack = newStack();
      const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
      Tags.of(project).add('team!', 'blue');

      expect(() => Template.fromStack(stack)).toThrow(literal('[Stack/Project] tags key "team!" must match ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$ (TagKey)'));
    });

    test('fails when a tag key is too long or a tag value is too long or invalid, listing all', () => {
      const stack = newStack();
      const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
      Tags.of(project).add('k'.repeat(129), 'ok');
      Tags.of(project).add('long', 'v'.repeat(257));
      Tags.of(project).add('bad', 'a;b');

      const message = errorOf(() => Template.fromStack(stack));
      expect(message).toMatch(/\[Stack\/Project\] tags key "k{129}" must be 1 to 128 characters long, got 129 \(TagKey\)/);
      expect(message).toMatch(/\[Stack\/Project\] tags\["long"\] "v{257}" must be 0 to 256 characters long, got 257 \(TagValue\)/);
      expect(message).toMatch(literal('[Stack/Project] tags["bad"] "a;b" must match'));
    });
  });

  describe('timeout', () => {
    test('is the handler\'s wait, and the serviceTimeout is 5 minutes longer', () => {
      const stack = newStack();
      new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App', timeout: Duration.minutes(50) });

      Template.fromStack(stack).hasResourceProperties(PROJECT, { timeoutSeconds: 3000, ServiceTimeout: '3300' });
    });

    test('accepts the bounds, the longest with a serviceTimeout of CloudFormation\'s maximum', () => {
      const stack = newStack();
      new CodeStarProject(stack, 'Short', { projectId: 'short', projectName: 'Short', timeout: Duration.minutes(1) });
      new CodeStarProject(stack, 'Long', { projectId: 'long', projectName: 'Long', timeout: Duration.minutes(55) });

      Template.fromStack(stack).hasResourceProperties(PROJECT, { id: 'short', timeoutSeconds: 60, ServiceTimeout: '360' });
      Template.fromStack(stack).hasResourceProperties(PROJECT, { id: 'long', timeoutSeconds: 3300, ServiceTimeout: '3600' });
    });
  });

  describe('removal', () => {
    test('by default keeps a created project but cleans up a failed first creation (RetainExceptOnCreate), protected, with its stack', () => {
      const stack = newStack();
      new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });

      Template.fromStack(stack).hasResource(PROJECT, {
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ deleteStack: false, deletionProtection: true }),
      });
      Annotations.fromStack(stack).hasNoWarning('/Stack/Project', Match.stringLikeRegexp('deletionProtection|deleteProjectStack'));
    });

    test('renders deletionProtection false when asked', () => {
      const stack = newStack();
      new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App', deletionProtection: false });

      Template.fromStack(stack).hasResourceProperties(PROJECT, { deletionProtection: false });
    });

    test('deletes the project and its stack when asked', () => {
      const stack = newStack();
      new CodeStarProject(stack, 'Project', {
        projectId: 'my-app',
        projectName: 'My App',
        removalPolicy: RemovalPolicy.DESTROY,
        deletionProtection: false,
        deleteProjectStack: true,
      });

      Template.fromStack(stack).hasResource(PROJECT, {
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
        Properties: Match.objectLike({ deleteStack: true, deletionProtection: false }),
      });
      Annotations.fromStack(stack).hasNoWarning('/Stack/Project', Match.stringLikeRegexp('deleteProjectStack|deletionProtection'));
    });

    test('retains the project with RETAIN', () => {
      const stack = newStack();
      new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App', removalPolicy: RemovalPolicy.RETAIN });

      Template.fromStack(stack).hasResource(PROJECT, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    test('warns when DESTROY is combined with deletion protection: the delete will fail with the protection reason', () => {
      const stack = newStack();
      new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App', removalPolicy: RemovalPolicy.DESTROY });

      Template.fromStack(stack).hasResource(PROJECT, { DeletionPolicy: 'Delete', Properties: Match.objectLike({ deletionProtection: true }) });
      Annotations.fromStack(stack).hasWarning('/Stack/Project', Match.stringLikeRegexp(
        'removalPolicy is RemovalPolicy.DESTROY, but deletionProtection is true: .* Deploy with deletionProtection: false first'));
    });

    test('warns when deleteProjectStack cannot apply because the project is retained', () => {
      const stack = newStack();
      new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App', deleteProjectStack: true });
      new CodeStarProject(stack, 'Kept', { projectId: 'kept', projectName: 'Kept', deleteProjectStack: true, removalPolicy: RemovalPolicy.RETAIN });

      Annotations.fromStack(stack).hasWarning('/Stack/Project', Match.stringLikeRegexp(
        'deleteProjectStack has no effect unless removalPolicy is RemovalPolicy.DESTROY: with RETAIN_ON_UPDATE_OR_DELETE the project is deleted only by the rollback'));
      Annotations.fromStack(stack).hasWarning('/Stack/Kept', Match.stringLikeRegexp(
        'deleteProjectStack has no effect unless removalPolicy is RemovalPolicy.DESTROY: the project is kept'));
    });

    test('applyRemovalPolicy sets the policies of the underlying resource, and the warnings follow the final policy', () => {
      const stack = newStack();
      const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App', deleteProjectStack: true });
      project.applyRemovalPolicy(RemovalPolicy.DESTROY);

      Template.fromStack(stack).hasResource(PROJECT, { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
      const annotations = Annotations.fromStack(stack);
      annotations.hasNoWarning('/Stack/Project', Match.stringLikeRegexp('deleteProjectStack'));
      annotations.hasWarning('/Stack/Project', Match.stringLikeRegexp('but deletionProtection is true'));
    });

    test('an aspect that applies a removal policy to every resource reaches the project (as RemovalPolicies.of(app) does)', () => {
      const app = new App();
      const stack = newStack('Stack', { app });
      new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App', deletionProtection: false });
      Aspects.of(app).add({
        visit: node => {
          if (CfnResource.isCfnResource(node)) {
            node.applyRemovalPolicy(RemovalPolicy.DESTROY);
          }
        },
      });

      Template.fromStack(stack).hasResource(PROJECT, { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    });

    test('fails when applyRemovalPolicy is given SNAPSHOT', () => {
      const project = new CodeStarProject(newStack(), 'Project', { projectId: 'my-app', projectName: 'My App' });

      expect(() => project.applyRemovalPolicy(RemovalPolicy.SNAPSHOT)).toThrow(literal(
        'Stack/Project: removalPolicy "snapshot" must be RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY: a CodeStar project has no snapshot'));
    });

    test('fails when a removal policy is applied to an imported project', () => {
      const project = CodeStarProject.fromProjectId(newStack(), 'Project', 'my-app');

      expect(() => project.applyRemovalPolicy(RemovalPolicy.DESTROY)).toThrow(literal(
        'Stack/Project: removalPolicy "destroy" cannot be applied to an imported project: this stack does not manage it'));
    });
  });

  describe('adopt', () => {
    test('renders adopt only when true, and then retains the project by default, even on the rollback of its first deployment', () => {
      const stack = newStack();
      new CodeStarProject(stack, 'Adopted', { projectId: 'legacy', projectName: 'Legacy', adopt: true });
      new CodeStarProject(stack, 'NotAdopted', { projectId: 'mine', projectName: 'Mine', adopt: false });

      Template.fromStack(stack).hasResource(PROJECT, {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ id: 'legacy', adopt: true, deletionProtection: true }),
      });
      Template.fromStack(stack).hasResource(PROJECT, {
        DeletionPolicy: 'RetainExceptOnCreate',
        Properties: Match.objectLike({ id: 'mine', adopt: Match.absent() }),
      });
    });

    test('an adopted project takes the removal policy it is given', () => {
      const stack = newStack();
      new CodeStarProject(stack, 'Adopted', {
        projectId: 'legacy', projectName: 'Legacy', adopt: true, removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false,
      });

      Template.fromStack(stack).hasResource(PROJECT, { DeletionPolicy: 'Delete', Properties: Match.objectLike({ adopt: true, deletionProtection: false }) });
    });

    test('warns that sourceCode and toolchain do not apply to an adopted project', () => {
      const stack = newStack();
      new CodeStarProject(stack, 'Project', seededProps({ adopt: true }));

      Annotations.fromStack(stack).hasWarning('/Stack/Project', Match.stringLikeRegexp('sourceCode and toolchain apply only to a project the handler creates'));
    });
  });

  describe('attributes', () => {
    test('are read from the custom resource, except the ARN, which is built from the id', () => {
      const stack = newStack();
      const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
      const logicalId = stack.resolve((project.node.defaultChild!.node.defaultChild as any).logicalId);

      expect(stack.resolve(project.projectId)).toEqual({ 'Fn::GetAtt': [logicalId, 'Id'] });
      expect(stack.resolve(project.projectStackId)).toEqual({ 'Fn::GetAtt': [logicalId, 'StackId'] });
      expect(stack.resolve(project.projectTemplateId)).toEqual({ 'Fn::GetAtt': [logicalId, 'ProjectTemplateId'] });
      expect(stack.resolve(project.projectArn)).toEqual(projectArn('my-app'));
    });

    test('the ARN follows the stack environment when it is not fixed', () => {
      const stack = newStack('Stack', { envAgnostic: true });
      const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });

      expect(stack.resolve(project.projectArn)).toEqual(stack.resolve(`arn:${Aws.PARTITION}:codestar:${Aws.REGION}:${Aws.ACCOUNT_ID}:project/my-app`));
    });

    test('the custom resource is not exposed', () => {
      const stack = newStack();
      const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });

      expect(project.node.defaultChild).toBeInstanceOf(CustomResource);
      expect(project.node.defaultChild!.node.id).toEqual('Resource');
      expect(Object.values(project).filter((value) => value instanceof CustomResource)).toEqual([]);
    });
  });

  test('warns once per stack that CodeStar accepts no new projects', () => {
    const stack = newStack();
    new CodeStarProject(stack, 'One', { projectId: 'one', projectName: 'One' });
    new CodeStarProject(stack, 'Two', { projectId: 'two', projectName: 'Two' });
    const other = newStack('Other');
    new CodeStarProject(other, 'Three', { projectId: 'three', projectName: 'Three' });

    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('stopped accepting new projects'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].id).toEqual('/Stack/One');
    expect(Annotations.fromStack(other).findWarning('*', Match.stringLikeRegexp('stopped accepting new projects'))).toHaveLength(1);
  });

  test('addTeamMember adds a member of this project', () => {
    const stack = newStack();
    const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
    const user = new iam.User(stack, 'Alice');

    const member = project.addTeamMember('Alice', { user, role: ProjectRole.CONTRIBUTOR, remoteAccessAllowed: true });

    expect(member).toBeInstanceOf(TeamMember);
    expect(member.node.path).toEqual('Stack/Project/Alice');
    Template.fromStack(stack).hasResourceProperties('Custom::CodeStarTeamMember', {
      projectId: stack.resolve(project.projectId),
      userArn: stack.resolve(user.userArn),
      projectRole: 'Contributor',
      remoteAccessAllowed: true,
    });
  });

  test('grant gives a principal the actions on this project only', () => {
    const stack = newStack();
    const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });

    const grant = project.grant(role, 'codestar:DescribeProject', 'codestar:ListResources');

    expect(grant.success).toBe(true);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.resolve((role.node.defaultChild as iam.CfnRole).logicalId) }],
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: ['codestar:DescribeProject', 'codestar:ListResources'], Resource: projectArn('my-app') }],
      },
    });
  });

  describe('importers', () => {
    test('fromProjectId builds the ARN in the scope environment', () => {
      const stack = newStack();
      const project = CodeStarProject.fromProjectId(stack, 'Imported', 'legacy-app');

      expect(project.projectId).toEqual('legacy-app');
      expect(stack.resolve(project.projectArn)).toEqual(projectArn('legacy-app'));
    });

    test('fromProjectId accepts a token', () => {
      const stack = newStack();
      const id = new CfnParameter(stack, 'ProjectId').valueAsString;
      const project = CodeStarProject.fromProjectId(stack, 'Imported', id);

      expect(stack.resolve(project.projectId)).toEqual({ Ref: 'ProjectId' });
    });

    test('fails when fromProjectId is given an invalid id', () => {
      const stack = newStack();

      expect(() => CodeStarProject.fromProjectId(stack, 'Imported', 'Legacy_App'))
        .toThrow(literal('Stack/Imported: projectId "Legacy_App" must match ^[a-z][a-z0-9-]+$ (ProjectId)'));
    });

    test('fromProjectArn with a literal ARN takes the id and environment from it', () => {
      const stack = newStack();
      const project = CodeStarProject.fromProjectArn(stack, 'Imported', 'arn:aws:codestar:eu-west-1:210987654321:project/legacy-app');

      expect(project.projectId).toEqual('legacy-app');
      expect(project.projectArn).toEqual('arn:aws:codestar:eu-west-1:210987654321:project/legacy-app');
      expect(project.env).toEqual({ account: '210987654321', region: 'eu-west-1' });
    });

    test('fromProjectArn with a token parses the id at deployment', () => {
      const stack = newStack();
      const arn = new CfnParameter(stack, 'ProjectArn').valueAsString;
      const project = CodeStarProject.fromProjectArn(stack, 'Imported', arn);

      expect(stack.resolve(project.projectId)).toEqual({
        'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::Select': [5, { 'Fn::Split': [':', { Ref: 'ProjectArn' }] }] }] }],
      });
      expect(stack.resolve(project.projectArn)).toEqual({ Ref: 'ProjectArn' });
    });

    test.each([
      ['not a CodeStar ARN', 'arn:aws:s3:::my-bucket'],
      ['an upper-case project id', 'arn:aws:codestar:us-east-1:123456789012:project/Legacy'],
      ['a short account', 'arn:aws:codestar:us-east-1:1234:project/legacy'],
    ])('fails when fromProjectArn is given %s', (_, arn) => {
      const stack = newStack();

      expect(() => CodeStarProject.fromProjectArn(stack, 'Imported', arn))
        .toThrow(literal(`Stack/Imported: projectArn ${JSON.stringify(arn)} must match ^arn:aws[^:\\s]*:codestar:`));
    });

    test('imported projects can take team members', () => {
      const stack = newStack();
      const project = CodeStarProject.fromProjectId(stack, 'Imported', 'legacy-app');
      project.addTeamMember('Bob', { user: iam.User.fromUserName(stack, 'Bob', 'bob') });

      Template.fromStack(stack).hasResourceProperties('Custom::CodeStarTeamMember', { projectId: 'legacy-app', projectRole: 'Viewer' });
    });
  });

  test('matches the snapshot', () => {
    const stack = newStack();
    const token = secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'github-token');
    const project = new CodeStarProject(stack, 'Project', {
      projectId: 'my-app',
      projectName: 'My App',
      description: 'Our service',
      sourceCode: [
        { source: ProjectSource.fromAsset(SEED_CODE_DIR), destination: CodeDestination.codeCommit({ repositoryName: 'my-app' }) },
        {
          source: ProjectSource.fromAsset(SEED_CODE_DIR),
          destination: CodeDestination.gitHub({ repositoryName: 'my-app-mirror', owner: 'octo', ownerType: GitHubOwnerType.ORGANIZATION, token }),
        },
      ],
      toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, {
        role: iam.Role.fromRoleName(stack, 'ToolchainRole', 'CodeStarWorker-my-app-ToolChain'),
        stackParameters: { ProjectId: 'my-app' },
      }),
    });
    Tags.of(project).add('team', 'blue');

    expect(userTemplate(stack)).toMatchSnapshot();
  });
});

describe('CodeStarProject validation', () => {
  function expectInvalid(props: Partial<CodeStarProjectProps>, ...messages: (string | RegExp)[]) {
    const stack = newStack();
    const error = errorOf(() => new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App', ...props }));
    for (const message of messages) {
      expect(error).toMatch(typeof message === 'string' ? literal(`Stack/Project: ${message}`) : message);
    }
  }

  function expectValid(props: Partial<CodeStarProjectProps>) {
    const stack = newStack();
    expect(() => new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App', ...props })).not.toThrow();
    expect(() => Template.fromStack(stack)).not.toThrow();
  }

  test.each([
    ['projectId is too short', { projectId: 'a' }, 'projectId "a" must be 2 to 15 characters long, got 1 (ProjectId)'],
    ['projectId is too long', { projectId: 'a'.repeat(16) }, `projectId "${'a'.repeat(16)}" must be 2 to 15 characters long, got 16 (ProjectId)`],
    ['projectId has upper-case letters', { projectId: 'My-app' }, 'projectId "My-app" must match ^[a-z][a-z0-9-]+$ (ProjectId)'],
    ['projectId starts with a digit', { projectId: '1app' }, 'projectId "1app" must match ^[a-z][a-z0-9-]+$ (ProjectId)'],
    ['projectId is missing', { projectId: undefined as unknown as string }, 'projectId is required (CreateProjectRequest.id)'],
    ['projectName is empty', { projectName: '' }, 'projectName (value hidden, 0 characters) must be 1 to 100 characters long, got 0 (ProjectName)'],
    ['projectName is too long', { projectName: 'n'.repeat(101) }, 'projectName (value hidden, 101 characters) must be 1 to 100 characters long, got 101 (ProjectName)'],
    ['projectName has leading whitespace', { projectName: ' My App' }, 'projectName (value hidden, 7 characters) must match ^\\S(.*\\S)?$ (ProjectName)'],
    ['projectName is missing', { projectName: undefined as unknown as string }, 'projectName is required (CreateProjectRequest.name)'],
    ['description is too long', { description: 'd'.repeat(1025) }, 'description (value hidden, 1025 characters) must be 0 to 1024 characters long, got 1025 (ProjectDescription)'],
    ['description has trailing whitespace', { description: 'Ours ' }, 'description (value hidden, 5 characters) must match ^$|^\\S(.*\\S)?$ (ProjectDescription)'],
    ['description spans lines', { description: 'line one\nline two' }, 'description (value hidden, 17 characters) must match'],
    ['removalPolicy is SNAPSHOT', { removalPolicy: RemovalPolicy.SNAPSHOT }, 'removalPolicy "snapshot" must be RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY: a CodeStar project has no snapshot'],
    ['adopt is not a boolean', { adopt: 'yes' as unknown as boolean }, 'adopt "yes" must be true or false at synthesis: the default removalPolicy depends on it'],
    ['timeout is shorter than a minute', { timeout: Duration.seconds(59) }, 'timeout "59 seconds" must be from 1 minute to 55 minutes'],
    ['timeout is longer than 55 minutes', { timeout: Duration.minutes(56) }, 'timeout "56 minutes" must be from 1 minute to 55 minutes'],
    ['timeout is not whole seconds', { timeout: Duration.millis(90_500) }, 'timeout "90500 milliseconds" must be a whole number of seconds'],
    ['timeout is a token', { timeout: Duration.seconds(Lazy.number({ produce: () => 600 })) }, 'timeout must not be a token'],
  ])('fails when %s', (_, props, message) => {
    expectInvalid(props, message);
  });

  test('fails when sourceCode is given without toolchain', () => {
    expectInvalid(
      { sourceCode: seededProps().sourceCode },
      'sourceCode requires toolchain: CodeStar accepts sourceCode only together with a toolchain (CreateProject)',
    );
  });

  test('fails when toolchain is given without sourceCode', () => {
    expectInvalid(
      { toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE) },
      'toolchain requires sourceCode: CodeStar accepts a toolchain only together with sourceCode (CreateProject)',
    );
    expectInvalid(
      { toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE), sourceCode: [] },
      'toolchain requires sourceCode',
    );
  });

  test.each([
    ['a CodeCommit repository name has a space', CodeDestination.codeCommit({ repositoryName: 'my app' }),
      'sourceCode[0].destination.repositoryName "my app" must match ^\\S[\\w.-]*$ (RepositoryName)'],
    ['a CodeCommit repository name is too long', CodeDestination.codeCommit({ repositoryName: 'r'.repeat(101) }),
      `sourceCode[0].destination.repositoryName "${'r'.repeat(101)}" must be 1 to 100 characters long, got 101 (RepositoryName)`],
    ['a CodeCommit repository name is empty', CodeDestination.codeCommit({ repositoryName: '' }),
      'sourceCode[0].destination.repositoryName "" must be 1 to 100 characters long, got 0 (RepositoryName)'],
  ])('fails when %s', (_, destination, message) => {
    expectInvalid({ ...seededProps(), sourceCode: [{ source: ProjectSource.fromAsset(SEED_CODE_DIR), destination }] }, message);
  });

  describe('GitHub destinations', () => {
    function gitHub(stack: Stack, overrides: Record<string, unknown>) {
      return CodeDestination.gitHub({
        repositoryName: 'my-app',
        owner: 'octo',
        ownerType: GitHubOwnerType.USER,
        token: secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'github'),
        ...overrides,
      });
    }

    test.each([
      ['the repository name has a slash', { repositoryName: 'octo/my-app' }, 'sourceCode[0].destination.repositoryName "octo/my-app" must match ^\\S[\\w.-]*$ (RepositoryName)'],
      ['the owner is empty', { owner: '' }, 'sourceCode[0].destination.owner "" must be 1 to 100 characters long, got 0 (RepositoryOwner)'],
      ['the owner has trailing whitespace', { owner: 'octo ' }, 'sourceCode[0].destination.owner "octo " must match ^\\S(.*\\S)?$ (RepositoryOwner)'],
      ['the owner is too long', { owner: 'o'.repeat(101) }, 'must be 1 to 100 characters long, got 101 (RepositoryOwner)'],
      ['the owner type is not User or Organization', { ownerType: 'Team' }, 'sourceCode[0].destination.ownerType "Team" must match ^(user|organization|User|Organization)$ (RepositoryType)'],
      ['the owner type is missing', { ownerType: undefined }, 'sourceCode[0].destination.ownerType is required (GitHubCodeDestination.type)'],
      ['the description is too long', { description: 'd'.repeat(1001) }, 'must be 1 to 1000 characters long, got 1001 (RepositoryDescription)'],
      ['the description is empty', { description: '' }, 'sourceCode[0].destination.description "" must be 1 to 1000 characters long, got 0 (RepositoryDescription)'],
      ['the token is missing', { token: undefined }, 'sourceCode[0].destination.token is required (GitHubCodeDestination.token)'],
    ])('fails when %s', (_, overrides, message) => {
      const stack = newStack();
      const create = () => new CodeStarProject(stack, 'Project', seededProps({
        sourceCode: [{ source: ProjectSource.fromAsset(SEED_CODE_DIR), destination: gitHub(stack, overrides) }],
      }));
      expect(create).toThrow(literal(message));
    });

    test('accepts the longest names, owners and descriptions', () => {
      const stack = newStack();
      expect(() => new CodeStarProject(stack, 'Project', seededProps({
        sourceCode: [{
          source: ProjectSource.fromAsset(SEED_CODE_DIR),
          destination: gitHub(stack, { repositoryName: 'r'.repeat(100), owner: 'o'.repeat(100), description: 'd'.repeat(1000) }),
        }],
      }))).not.toThrow();
    });
  });

  test.each([
    ['a stack parameter key is too long', { ['k'.repeat(31)]: 'v' }, `toolchain.stackParameters key "${'k'.repeat(31)}" must be 1 to 30 characters long, got 31 (TemplateParameterKey)`],
    ['a stack parameter key has whitespace at the end', { 'Key ': 'v' }, 'toolchain.stackParameters key "Key " must match ^\\S(.*\\S)?$ (TemplateParameterKey)'],
    ['a stack parameter value is too long', { Key: 'v'.repeat(101) },
      'toolchain.stackParameters["Key"] (value hidden, 101 characters) must be 1 to 100 characters long, got 101 (TemplateParameterValue)'],
    ['a stack parameter value is empty', { Key: '' },
      'toolchain.stackParameters["Key"] (value hidden, 0 characters) must be 1 to 100 characters long, got 0 (TemplateParameterValue)'],
    ['a stack parameter value has leading whitespace', { Key: ' v' },
      'toolchain.stackParameters["Key"] (value hidden, 2 characters) must match ^\\S(.*\\S)?$ (TemplateParameterValue)'],
    ['there are more than 25 stack parameters', Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`P${i}`, 'v'])),
      'toolchain.stackParameters must have 0 to 25 entries, got 26 (TemplateParameterMap)'],
  ])('fails when %s', (_, stackParameters, message) => {
    expectInvalid(seededProps({ toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, { stackParameters }) }), message);
  });

  test('fails when the toolchain role ARN is longer than the API accepts', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'Role', `arn:aws:iam::123456789012:role/${'p/'.repeat(600)}r`);
    expect(() => new CodeStarProject(stack, 'Project', seededProps({ toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, { role }) })))
      .toThrow(/Stack\/Project: toolchain.role "arn:aws:iam::123456789012:role\/p\/.*" must be 1 to 1224 characters long, got 1232 \(RoleArn\)/);
  });

  test('fails when a source bucket name is shorter than the API accepts', () => {
    const bucket = { bucketName: 'ab' } as unknown as s3.IBucket;
    expectInvalid(
      seededProps({ toolchain: Toolchain.fromBucket(bucket, 'toolchain.yml') }),
      'toolchain.template.bucket.bucketName "ab" must be 3 to 63 characters long, got 2 (BucketName)',
    );
  });

  test('never prints the value of a sensitive property', () => {
    const stack = newStack();
    const secretish = 'Ssh-pass: hunter2 ';
    expect(() => new CodeStarProject(stack, 'Project', {
      projectId: 'my-app',
      projectName: secretish,
      description: secretish,
      sourceCode: seededProps().sourceCode,
      toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, { stackParameters: { Password: secretish } }),
    })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });

  test('collects every problem in one error, before creating anything', () => {
    const stack = newStack();
    const error = errorOf(() => new CodeStarProject(stack, 'Project', {
      projectId: 'A',
      projectName: '',
      description: ' x',
      sourceCode: [{ source: ProjectSource.fromAsset(SEED_CODE_DIR), destination: CodeDestination.codeCommit({ repositoryName: 'a b' }) }],
    }));

    expect(error.split('\n')).toEqual([
      'Invalid CodeStarProject properties (7 problems):',
      '  Stack/Project: projectId "A" must be 2 to 15 characters long, got 1 (ProjectId)',
      '  Stack/Project: projectId "A" must match ^[a-z][a-z0-9-]+$ (ProjectId)',
      '  Stack/Project: projectName (value hidden, 0 characters) must be 1 to 100 characters long, got 0 (ProjectName)',
      '  Stack/Project: projectName (value hidden, 0 characters) must match ^\\S(.*\\S)?$ (ProjectName)',
      '  Stack/Project: description (value hidden, 2 characters) must match ^$|^\\S(.*\\S)?$ (ProjectDescription)',
      '  Stack/Project: sourceCode requires toolchain: CodeStar accepts sourceCode only together with a toolchain (CreateProject)',
      '  Stack/Project: sourceCode[0].destination.repositoryName "a b" must match ^\\S[\\w.-]*$ (RepositoryName)',
    ]);
    // Nothing was created: no provider, no asset, no custom resource.
    expect(stack.node.findAll().map((c) => c.node.path)).toEqual(['Stack', 'Stack/Project']);
  });

  test('accepts the boundary values', () => {
    expectValid({ projectId: 'ab', projectName: 'N' });
    expectValid({ projectId: 'a-', projectName: 'n'.repeat(100), description: '' });
    expectValid({ projectId: 'abcdefghij-1234', projectName: 'My  App', description: 'd'.repeat(1024) });
    expectValid(seededProps({
      toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, {
        stackParameters: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`${'k'.repeat(28)}${String(i).padStart(2, '0')}`, 'v'.repeat(100)])),
      }),
    }));
    expectValid(seededProps({
      sourceCode: [{ source: ProjectSource.fromAsset(SEED_CODE_DIR), destination: CodeDestination.codeCommit({ repositoryName: 'r'.repeat(100) }) }],
    }));
  });

  test('skips unresolved tokens', () => {
    const stack = newStack();
    const text = new CfnParameter(stack, 'Text').valueAsString;
    expect(() => new CodeStarProject(stack, 'Project', {
      projectId: new CfnParameter(stack, 'Id').valueAsString,
      projectName: text,
      description: `${text} `,
      sourceCode: [{
        source: ProjectSource.fromAsset(SEED_CODE_DIR),
        destination: CodeDestination.codeCommit({ repositoryName: Lazy.string({ produce: () => 'my app' }) }),
      }],
      toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, {
        role: iam.Role.fromRoleArn(stack, 'Role', new CfnParameter(stack, 'RoleArn').valueAsString),
        stackParameters: { [text]: text, Fixed: text },
      }),
    })).not.toThrow();
  });
});
