/**
 * The example app: one CodeStar project seeded from local files, three team members and two user
 * profiles. The `stage` context value selects the app before (`initial`) or after (`changed`) a
 * change: a rename, a new tag, a role change and a member replaced by another user.
 *
 *   cdk synth --app "ts-node examples/app.ts" -c stage=changed
 */
import * as path from 'path';
import { App, RemovalPolicy, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CodeDestination, CodeStarProject, ProjectRole, ProjectSource, Toolchain, UserProfile } from '../src';

/** Which version of the app to synthesize. */
export type ExampleStage = 'initial' | 'changed';

export interface ExampleStackProps extends StackProps {
  readonly stage: ExampleStage;
}

export class ExampleStack extends Stack {
  constructor(scope: Construct, id: string, props: ExampleStackProps) {
    super(scope, id, props);
    const changed = props.stage === 'changed';

    const toolchainRole = new iam.Role(this, 'ToolchainRole', {
      assumedBy: new iam.ServicePrincipal('codestar.amazonaws.com'),
      description: 'Role CodeStar uses to deploy the demo project toolchain',
    });

    const project = new CodeStarProject(this, 'Project', {
      projectId: 'demo-app',
      projectName: changed ? 'Demo App (renamed)' : 'Demo App',
      description: 'A CodeStar project declared with cdk-codestar',
      sourceCode: [{
        source: ProjectSource.fromAsset(path.join(__dirname, 'seed-code')),
        destination: CodeDestination.codeCommit({ repositoryName: 'demo-app' }),
      }],
      toolchain: Toolchain.fromAsset(path.join(__dirname, 'toolchain.yml'), {
        role: toolchainRole,
        stackParameters: { ProjectId: 'demo-app', RepositoryName: 'demo-app' },
      }),
      // The demo destroys what it deploys. Real projects keep the defaults: a created project is
      // retained (RETAIN_ON_UPDATE_OR_DELETE) and protected from deletion.
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
    });
    Tags.of(project).add('team', 'blue');
    if (changed) {
      Tags.of(project).add('stage', 'production');
    }

    const alice = new iam.User(this, 'Alice');
    const bob = new iam.User(this, 'Bob');
    const carol = new iam.User(this, 'Carol');
    const dave = new iam.User(this, 'Dave');

    new UserProfile(this, 'AliceProfile', {
      user: alice,
      displayName: 'Alice Example',
      emailAddress: 'alice@example.org',
      sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoKeyForAliceOnlyNotARealKey alice@example.org',
    });
    new UserProfile(this, 'BobProfile', {
      user: bob,
      displayName: 'Bob Example',
      emailAddress: 'bob@example.org',
    });

    project.addTeamMember('AliceMember', { user: alice, role: ProjectRole.OWNER, remoteAccessAllowed: true });
    project.addTeamMember('BobMember', { user: bob, role: changed ? ProjectRole.CONTRIBUTOR : ProjectRole.VIEWER });
    // The change replaces Carol's membership by Dave's.
    project.addTeamMember('ThirdMember', { user: changed ? dave : carol, role: ProjectRole.VIEWER });
  }
}

/** The id of the example stack, as the demo and the tests find it in the cloud assembly. */
export const EXAMPLE_STACK_ID = 'CodeStarDemo';

/** Adds the example stack for a stage to an app. */
export function addExampleStack(app: App, stage: ExampleStage): ExampleStack {
  return new ExampleStack(app, EXAMPLE_STACK_ID, { stage });
}

if (require.main === module) {
  const app = new App();
  const stage = app.node.tryGetContext('stage') ?? 'initial';
  if (stage !== 'initial' && stage !== 'changed') {
    throw new Error(`context "stage" must be "initial" or "changed", got "${stage}"`);
  }
  addExampleStack(app, stage);
  app.synth();
}
