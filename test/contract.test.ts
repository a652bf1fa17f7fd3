import { Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { newStack } from './helpers';
import {
  CodeDestination, CodeStarProject, CodeStarProvider, GitHubOwnerType, ProjectRole, ProjectSource, TeamMember, Toolchain, UserProfile,
} from '../src';
import { PROJECT_RESOURCE_TYPE, TEAM_MEMBER_RESOURCE_TYPE, USER_PROFILE_RESOURCE_TYPE } from '../src/private/contract';
import { FUNCTION_LOGICAL_ID } from '../src/private/provider';

/*
 * Golden test of the deployed contract: the resource types and property keys each construct
 * renders. Templates deployed with a released version keep sending these to the handler, so a key
 * that is renamed, dropped or rendered differently breaks deployed stacks. The expected objects
 * are written out on purpose (not a snapshot): changing them must be a decision.
 */

/**
 * The logical id of the provider's function: the id the Provider framework's entry function had in
 * the releases before the single function. Every deployed CodeStar resource's ServiceToken is its
 * ARN, and CloudFormation refuses to change a custom resource's ServiceToken ("Modifying service
 * token is not allowed"): the function must keep this id, whatever the settings, so that upgrading
 * updates it in place.
 */
const PROVIDER_FUNCTION_LOGICAL_ID = 'CodeStarProvider8f3c2aProviderframeworkonEvent737B3291';

/** Every resource of the stack whose type starts with Custom::CodeStar, by type, without ServiceToken. */
function rendered(stack: ReturnType<typeof newStack>): Record<string, any[]> {
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
  const byType: Record<string, any[]> = {};
  for (const resource of Object.values(resources)) {
    if (typeof resource.Type === 'string' && resource.Type.startsWith('Custom::CodeStar')) {
      const { ServiceToken, ...properties } = resource.Properties;
      expect(ServiceToken).toEqual({ 'Fn::GetAtt': [PROVIDER_FUNCTION_LOGICAL_ID, 'Arn'] });
      const policies = { DeletionPolicy: resource.DeletionPolicy, UpdateReplacePolicy: resource.UpdateReplacePolicy };
      (byType[resource.Type] ??= []).push({ ...policies, Properties: properties });
    }
  }
  return byType;
}

test('the resource type strings', () => {
  expect([PROJECT_RESOURCE_TYPE, TEAM_MEMBER_RESOURCE_TYPE, USER_PROFILE_RESOURCE_TYPE])
    .toEqual(['Custom::CodeStarProject', 'Custom::CodeStarTeamMember', 'Custom::CodeStarUserProfile']);
});

describe('the provider function\'s logical id, which deployed ServiceTokens name', () => {
  /** A project, a member of it, a member of an imported project and a profile. */
  function populate(stack: Stack) {
    const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
    const user = iam.User.fromUserName(stack, 'Alice', 'alice');
    project.addTeamMember('Member', { user });
    new TeamMember(stack, 'Legacy', { project: CodeStarProject.fromProjectId(stack, 'Imported', 'legacy-app'), user });
    new UserProfile(stack, 'Profile', { user, displayName: 'Alice', emailAddress: 'alice@example.org' });
  }

  /** The logical ids of the stack's Lambda functions, and the ServiceToken of each CodeStar resource. */
  function served(stack: Stack) {
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
    const functions = Object.keys(resources).filter(id => resources[id].Type === 'AWS::Lambda::Function');
    const tokens = Object.values(resources).filter(r => String(r.Type).startsWith('Custom::CodeStar')).map(r => r.Properties.ServiceToken);
    return { functions, tokens };
  }

  test('is the Provider framework\'s entry function id', () => {
    expect(FUNCTION_LOGICAL_ID).toBe(PROVIDER_FUNCTION_LOGICAL_ID);
  });

  test('with the default provider', () => {
    const stack = newStack();
    populate(stack);

    const { functions, tokens } = served(stack);
    expect(functions).toEqual([PROVIDER_FUNCTION_LOGICAL_ID]);
    expect(tokens).toHaveLength(4);
    expect(tokens).toEqual(tokens.map(() => ({ 'Fn::GetAtt': [PROVIDER_FUNCTION_LOGICAL_ID, 'Arn'] })));
  });

  test.each(['before', 'after'])('with a CodeStarProvider of any id and settings, declared %s the resources', (when) => {
    const stack = newStack();
    const declare = () => new CodeStarProvider(stack, 'Anything', {
      vpc: new ec2.Vpc(stack, 'Vpc'),
      encryptionKey: new kms.Key(stack, 'Key'),
      logRetention: logs.RetentionDays.ONE_YEAR,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      reservedConcurrentExecutions: 2,
    });
    if (when === 'before') {
      declare();
    }
    populate(stack);
    if (when === 'after') {
      declare();
    }

    const { functions, tokens } = served(stack);
    expect(functions).toEqual([PROVIDER_FUNCTION_LOGICAL_ID]);
    expect(tokens).toHaveLength(4);
    expect(tokens).toEqual(tokens.map(() => ({ 'Fn::GetAtt': [PROVIDER_FUNCTION_LOGICAL_ID, 'Arn'] })));
  });

  test('in a stack of another id, in another app', () => {
    const stack = newStack('SomeOtherStack');
    populate(stack);

    expect(served(stack).functions).toEqual([PROVIDER_FUNCTION_LOGICAL_ID]);
  });
});

test('the keys of a project, a member and a profile with their defaults', () => {
  const stack = newStack();
  const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
  const user = iam.User.fromUserName(stack, 'Alice', 'alice');
  project.addTeamMember('Member', { user });
  new UserProfile(stack, 'Profile', { user, displayName: 'Alice', emailAddress: 'alice@example.org' });

  expect(rendered(stack)).toEqual({
    'Custom::CodeStarProject': [{
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: { ServiceTimeout: '2100', id: 'my-app', name: 'My App', deleteStack: false, deletionProtection: true },
    }],
    'Custom::CodeStarTeamMember': [{
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: {
        ServiceTimeout: '600',
        projectId: { 'Fn::GetAtt': [expect.any(String), 'Id'] },
        userArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:user/alice']] },
        projectRole: 'Viewer',
        remoteAccessAllowed: false,
      },
    }],
    'Custom::CodeStarUserProfile': [{
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: {
        ServiceTimeout: '600',
        userArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:user/alice']] },
        displayName: 'Alice',
        emailAddress: 'alice@example.org',
      },
    }],
  });
});

test('the keys of a project, a member and a profile with every property', () => {
  const stack = newStack();
  const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'seed-bucket');
  const token = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Token',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:github-token-AbCdEf');
  const role = iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::123456789012:role/CodeStarWorker');
  const project = new CodeStarProject(stack, 'Project', {
    projectId: 'my-app',
    projectName: 'My App',
    description: 'Ours',
    sourceCode: [
      { source: ProjectSource.fromBucket(bucket, 'seed.zip'), destination: CodeDestination.codeCommit({ repositoryName: 'repo' }) },
      {
        source: ProjectSource.fromBucket(bucket, 'seed.zip'),
        destination: CodeDestination.gitHub({
          repositoryName: 'repo',
          description: 'Mirror',
          owner: 'octo',
          ownerType: GitHubOwnerType.ORGANIZATION,
          privateRepository: false,
          issuesEnabled: true,
          token,
          tokenJsonField: 'token',
        }),
      },
    ],
    toolchain: Toolchain.fromBucket(bucket, 'toolchain.yml', { role, stackParameters: { ProjectId: 'my-app' } }),
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    deleteProjectStack: true,
    timeout: Duration.minutes(10),
    adopt: true,
  });
  Tags.of(project).add('team', 'blue');
  const user = iam.User.fromUserName(stack, 'Alice', 'alice');
  new TeamMember(stack, 'Member', {
    project, user, role: ProjectRole.OWNER, remoteAccessAllowed: true, removalPolicy: RemovalPolicy.RETAIN,
  });
  new UserProfile(stack, 'Profile', {
    user, displayName: 'Alice', emailAddress: 'alice@example.org', sshPublicKey: 'ssh-ed25519 AAAA', adopt: true,
  });

  const seed = { s3: { bucketName: 'seed-bucket', bucketKey: 'seed.zip' } };
  const userArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:user/alice']] };
  expect(rendered(stack)).toEqual({
    'Custom::CodeStarProject': [{
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: {
        ServiceTimeout: '900',
        id: 'my-app',
        name: 'My App',
        description: 'Ours',
        sourceCode: [
          { source: seed, destination: { codeCommit: { name: 'repo' } } },
          {
            source: seed,
            destination: {
              gitHub: {
                name: 'repo',
                description: 'Mirror',
                type: 'Organization',
                owner: 'octo',
                privateRepository: false,
                issuesEnabled: true,
                tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:github-token-AbCdEf',
                tokenSecretJsonField: 'token',
              },
            },
          },
        ],
        toolchain: {
          source: { s3: { bucketName: 'seed-bucket', bucketKey: 'toolchain.yml' } },
          roleArn: 'arn:aws:iam::123456789012:role/CodeStarWorker',
          stackParameters: { ProjectId: 'my-app' },
        },
        deleteStack: true,
        timeoutSeconds: 600,
        adopt: true,
        deletionProtection: false,
        tags: { team: 'blue' },
      },
    }],
    'Custom::CodeStarTeamMember': [{
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        ServiceTimeout: '600',
        projectId: { 'Fn::GetAtt': [expect.any(String), 'Id'] },
        userArn,
        projectRole: 'Owner',
        remoteAccessAllowed: true,
      },
    }],
    'Custom::CodeStarUserProfile': [{
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        ServiceTimeout: '600',
        userArn,
        displayName: 'Alice',
        emailAddress: 'alice@example.org',
        sshPublicKey: 'ssh-ed25519 AAAA',
        adopt: true,
      },
    }],
  });
});
