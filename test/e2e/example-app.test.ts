import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { succeeded, useE2E } from './helpers';
import { addExampleStack, EXAMPLE_STACK_ID, ExampleStage } from '../../examples/app';

/**
 * The example app (examples/app.ts), deployed, changed and destroyed as `npm run demo` does, but
 * synthesized in-process: each step must make exactly the calls its change needs.
 */

const e2e = useE2E();
jest.setTimeout(60_000);

function synthExample(stage: ExampleStage): string {
  const outdir = path.join(e2e.dir, `cdk.out.${stage}`);
  const app = new App({ outdir, analyticsReporting: false });
  addExampleStack(app, stage);
  app.synth();
  return outdir;
}

/** The simulated ARN of one of the example's IAM users (a generated user name). */
const exampleUser = (name: string) => expect.stringMatching(new RegExp(`^arn:aws:iam::123456789012:user/${EXAMPLE_STACK_ID}-${name}[\\w-]+$`));

test('the example app: deploy, change (rename, tag, role change, Carol replaced by Dave), destroy', async () => {
  const deployed = succeeded(await e2e.runner().deploy(synthExample('initial')), e2e.lines);
  expect([deployed.stackName, deployed.status]).toEqual([EXAMPLE_STACK_ID, 'CREATE_COMPLETE']);
  const initial = await e2e.account();
  expect(initial.projects).toEqual([{
    id: 'demo-app',
    name: 'Demo App',
    description: 'A CodeStar project declared with cdk-codestar',
    state: 'CreateComplete',
    tags: { team: 'blue' },
    members: expect.arrayContaining([
      { userArn: exampleUser('Alice'), projectRole: 'Owner', remoteAccessAllowed: true },
      { userArn: exampleUser('Bob'), projectRole: 'Viewer', remoteAccessAllowed: false },
      { userArn: exampleUser('Carol'), projectRole: 'Viewer', remoteAccessAllowed: false },
      { userArn: e2e.codestar.callerUserArn, projectRole: 'Owner', remoteAccessAllowed: false },
    ]),
  }]);
  expect(initial.projects[0].members).toHaveLength(4);
  expect(initial.profiles.map(p => p.displayName).sort()).toEqual(['Alice Example', 'Bob Example']);
  // Created with its seed code and toolchain (the assets' bucket and keys, resolved by the runner).
  expect(e2e.codestar.state.project('demo-app')).toMatchObject({
    sourceCode: [{ destination: { codeCommit: { name: 'demo-app' } } }],
    toolchain: { roleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\//) },
  });
  e2e.codestar.clearCalls();

  const changed = succeeded(await e2e.runner().deploy(synthExample('changed')), e2e.lines);

  expect(changed.status).toBe('UPDATE_COMPLETE');
  expect(e2e.mutations().sort()).toEqual(['AssociateTeamMember', 'DisassociateTeamMember', 'TagProject', 'UpdateProject', 'UpdateTeamMember']);
  const after = await e2e.account();
  expect(after.projects.map(p => [p.name, p.tags])).toEqual([['Demo App (renamed)', { team: 'blue', stage: 'production' }]]);
  expect(after.projects[0].members).toEqual(expect.arrayContaining([
    { userArn: exampleUser('Bob'), projectRole: 'Contributor', remoteAccessAllowed: false },
    { userArn: exampleUser('Dave'), projectRole: 'Viewer', remoteAccessAllowed: false },
  ]));
  expect(after.projects[0].members.map(m => m.userArn)).not.toContainEqual(exampleUser('Carol'));
  expect(after.projects[0].members).toHaveLength(4);
  expect(after.profiles).toEqual(initial.profiles);

  const destroyed = await e2e.runner().destroy();

  expect(destroyed.stacks.map(s => s.status)).toEqual(['DELETE_COMPLETE']);
  expect(await e2e.account()).toEqual({ projects: [], profiles: [] });
});
