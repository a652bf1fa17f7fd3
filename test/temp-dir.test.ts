import * as fs from 'fs';
import * as os from 'os';

/** test/temp-dir-setup.js: the run's temporary files go to one directory, removed at the end of the run. */
test('temporary files of the test run go to the run\'s own directory', () => {
  const dir = process.env.CDK_CODESTAR_TEST_TMPDIR;
  expect(dir).toMatch(/[/\\]cdk-codestar-test-[^/\\]+$/);
  expect(os.tmpdir()).toBe(dir);
  expect(fs.statSync(dir!).isDirectory()).toBe(true);
});
