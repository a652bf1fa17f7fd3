/**
 * The example app as an integration test in the CDK's own form (@aws-cdk/integ-tests-alpha), kept as
 * a snapshot: `integ.example.ts.snapshot/` holds the synthesized cloud assembly, and
 * test/integ/integ-snapshot.test.ts fails when the app no longer synthesizes to it.
 *
 * It is never deployed: AWS CodeStar takes no new projects since 2024-07-31, so the project this
 * app declares cannot be created in any account (the deployed behaviour is proven end to end
 * against the local CodeStar endpoint instead, test/e2e). For that reason it has no assertions
 * (`integ.assertions`), no stack update workflow, and deploy and destroy are disabled.
 *
 * After an intended change of the templates, update the snapshot (synthesis only, no deployment):
 *
 *   npx integ-runner --directory test/integ --language typescript --update-on-failed --dry-run
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import { addExampleStack } from '../../examples/app';

const app = new App();
const stack = addExampleStack(app, 'initial');

new IntegTest(app, 'CodeStarExampleIntegTest', {
  testCases: [stack],
  // Never deployed, whatever integ-runner is asked (--update-on-failed, --force): snapshot only.
  cdkCommandOptions: { deploy: { enabled: false }, destroy: { enabled: false } },
  stackUpdateWorkflow: false,
  // The handler bundle's asset hash changes with every handler change; the templates are what count.
  diffAssets: false,
});

app.synth();
