#!/usr/bin/env bash
# Installs the packed library (dist/js/*.tgz, made by `npx projen build`) into a fresh CDK app in a
# temporary folder and synthesizes it with the real cdk CLI, as a user would. Proves that the
# handler bundle ships inside the package and that the published entry points resolve.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tarball=$(find "$root/dist/js" -maxdepth 1 -name "cdk-codestar*.tgz" 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "no packed library in dist/js: run npx projen build first" >&2; exit 1; }

for bundle in handler codestar-sdk cloudformation-sdk; do
  tar -tzf "$tarball" | grep -x "package/assets/$bundle/index.js" >/dev/null \
    || { echo "the $bundle bundle is missing from $tarball" >&2; exit 1; }
done

app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
cdk_lib_version=$(node -p "require('$root/node_modules/aws-cdk-lib/package.json').version")
cd "$app"
cat > package.json <<JSON
{ "name": "packed-app-check", "private": true, "version": "0.0.0" }
JSON
npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "$tarball" "aws-cdk-lib@$cdk_lib_version" "constructs@^10" >/dev/null
cp "$root/scripts/packed-app.js" app.js
"$root/node_modules/.bin/cdk" synth --quiet --app "node app.js" --output cdk.out >/dev/null
node -e "
const t = require('./cdk.out/PackedAppStack.template.json');
const types = Object.values(t.Resources).map((r) => r.Type);
const count = (ty) => types.filter((x) => x === ty).length;
const want = { 'Custom::CodeStarProject': 1, 'Custom::CodeStarTeamMember': 3, 'Custom::CodeStarUserProfile': 2 };
for (const [ty, n] of Object.entries(want)) {
  if (count(ty) !== n) { console.error('expected ' + n + ' ' + ty + ', found ' + count(ty)); process.exit(1); }
}
// One provider: one function, the bundled handler answering CloudFormation itself, and no waiter.
const functions = Object.values(t.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
if (functions.length !== 1 || functions[0].Properties.Handler !== 'index.handler' || count('AWS::StepFunctions::StateMachine') !== 0) {
  console.error('expected exactly one provider (one function, Handler index.handler, no state machine) in the stack'); process.exit(1);
}
console.log('packed library: synthesized ' + types.length + ' resources with one provider, on aws-cdk-lib ' + require('aws-cdk-lib/package.json').version);
"

# The package's bin starts the local endpoint and prints where it listens.
node -e "
const { spawn } = require('child_process');
const child = spawn('node_modules/.bin/cdk-codestar-local', ['--port', '0']);
const timer = setTimeout(() => { console.error('cdk-codestar-local printed no URL within 20 s'); child.kill(); process.exit(1); }, 20000);
child.stdout.on('data', (chunk) => {
  const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(String(chunk));
  if (match) { clearTimeout(timer); console.log('packed library: cdk-codestar-local ' + match[1]); child.kill('SIGTERM'); }
});
child.on('exit', (code, signal) => process.exit(signal === 'SIGTERM' || code === 0 ? 0 : 1));
"

# The package's command line, with its own SDK bundles: an account in a file, served by
# `cdk-codestar local`; `import` reads it into an app, and `plan` plans the packed app against it.
cat > account.json <<JSON
{ "version": 1, "projects": [{ "id": "packed-legacy", "name": "Legacy",
  "members": [{ "userArn": "arn:aws:iam::123456789012:user/packed-alice", "projectRole": "Owner" }] }] }
JSON
node -e "
const { spawn, execFileSync } = require('child_process');
const child = spawn('node_modules/.bin/cdk-codestar', ['local', '--port', '0', '--state', 'account.json']);
const fail = (why) => { console.error(why); child.kill(); process.exit(1); };
const timer = setTimeout(() => fail('cdk-codestar local printed no URL within 20 s'), 20000);
child.stdout.on('data', (chunk) => {
  const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(String(chunk));
  if (!match) { return; }
  clearTimeout(timer);
  const env = { ...process.env, AWS_ENDPOINT_URL_CODESTAR: match[1] };
  try {
    const imported = execFileSync('node_modules/.bin/cdk-codestar', ['import', '--out', 'imported.ts', '--json'], { env, encoding: 'utf-8' });
    if (JSON.parse(imported).projects.join() !== 'packed-legacy') { fail('import did not read the project: ' + imported); }
    const plan = execFileSync('node_modules/.bin/cdk-codestar', ['plan', 'cdk.out', '--json'], { env, encoding: 'utf-8' });
    if (JSON.parse(plan).stacks[0].stackName !== 'PackedAppStack') { fail('plan did not plan PackedAppStack: ' + plan); }
  } catch (e) { fail('the packed cdk-codestar failed: ' + e.message + (e.stderr || '')); }
  console.log('packed library: cdk-codestar import and plan, with the bundled SDK clients');
  child.kill('SIGTERM');
});
child.on('exit', (code, signal) => process.exit(signal === 'SIGTERM' || code === 0 ? 0 : 1));
"
