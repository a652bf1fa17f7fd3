// A user's CDK app that uses the packed library from npm (see packed-app-check.sh): one project,
// three team members and two user profiles in one stack.
'use strict';
const { App, Stack, Tags } = require('aws-cdk-lib');
const iam = require('aws-cdk-lib/aws-iam');
const s3 = require('aws-cdk-lib/aws-s3');
const { CodeDestination, CodeStarProject, ProjectRole, ProjectSource, TeamMember, Toolchain, UserProfile } = require('cdk-codestar');

const app = new App();
const stack = new Stack(app, 'PackedAppStack');
const bucket = s3.Bucket.fromBucketName(stack, 'Seed', 'my-codestar-seed-bucket');
const project = new CodeStarProject(stack, 'Project', {
  projectId: 'packed-app',
  projectName: 'Packed App',
  sourceCode: [{
    source: ProjectSource.fromBucket(bucket, 'seed/source.zip'),
    destination: CodeDestination.codeCommit({ repositoryName: 'packed-app' }),
  }],
  toolchain: Toolchain.fromBucket(bucket, 'seed/toolchain.yml'),
});
Tags.of(project).add('team', 'blue');

const alice = new iam.User(stack, 'Alice');
const bob = new iam.User(stack, 'Bob');
new UserProfile(stack, 'AliceProfile', { user: alice, displayName: 'Alice', emailAddress: 'alice@example.org' });
new UserProfile(stack, 'BobProfile', { user: bob, displayName: 'Bob', emailAddress: 'bob@example.org' });
new TeamMember(stack, 'AliceMember', { project, user: alice, role: ProjectRole.OWNER, remoteAccessAllowed: true });
project.addTeamMember('BobMember', { user: bob, role: ProjectRole.CONTRIBUTOR });
project.addTeamMember('CarolMember', {
  user: iam.User.fromUserName(stack, 'Carol', 'carol'),
  role: ProjectRole.VIEWER,
});
app.synth();
