#!/usr/bin/env bash
# The second aws-cdk-lib of CI: the construct tests, the cdk-nag tests, the template validation and
# the packed-library check, against the newest 2.x aws-cdk-lib the npm registry serves now (resolved
# here, never pinned), with the constructs release that aws-cdk-lib asks for, the newest cdk-nag 2
# (as `cdk-nag`), the newest cdk-nag 3 (as `cdk-nag-v3`, an npm alias, so that both run on this
# aws-cdk-lib) and the newest cdk CLI.
#
# The main tree's node_modules and lock file stay as they are: the working tree (tracked files and
# untracked ones git does not ignore, as they are on disk; on CI's clean clone that is HEAD) is
# copied to a temporary folder, installed there from the lock file, and the newest packages are
# added there with --no-save. The tests know which run they are in from CDK_CODESTAR_CDK_FLAVOUR.
#
# Usage: scripts/newest-cdk.sh [REPORT_DIR]   (default: test-reports)
# CDK_CODESTAR_NEWEST_KEEP=1 keeps the temporary folder and prints where it is.
# Writes REPORT_DIR/jest-results-newest.json (jest's own results, for scripts/test-summary.js) and
# REPORT_DIR/newest-cdk-version (the aws-cdk-lib version it ran). The packed-library check uses
# the package `npx projen build` left in dist/js (the package users install, whatever their
# aws-cdk-lib). Exits non-zero, naming the aws-cdk-lib version, when any step fails.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
reports=$(mkdir -p "${1:-$root/test-reports}" && cd "${1:-$root/test-reports}" && pwd)
results="$reports/jest-results-newest.json"
rm -f "$results" "$reports/newest-cdk-version"

# The construct tests, by name: a renamed or removed file fails here, so that the run never
# shrinks unnoticed. The cdk-nag tests and the template validation are found by pattern.
CONSTRUCT_TESTS=(
  test/project.test.ts test/team-member.test.ts test/user-profile.test.ts test/provider.test.ts
  test/testing.test.ts test/logical-ids.test.ts test/contract.test.ts
)

version=''
fail() {
  echo "newest aws-cdk-lib ${version:-(unresolved)}: $*" >&2
  exit 1
}

# The highest release (no prerelease) of a package in a range, as the registry answers now. The
# registry lists versions in publish order, not in semver order: compare them.
newest() {
  npm view "$1" version --json 2>/dev/null | node -e '
    let text = ""; process.stdin.on("data", (c) => (text += c)).on("end", () => {
      const value = JSON.parse(text || "null");
      const key = (v) => v.split(".").map(Number);
      const releases = [value].flat().filter((v) => typeof v === "string" && /^\d+\.\d+\.\d+$/.test(v));
      releases.sort((a, b) => { const [x, y] = [key(a), key(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
      if (releases.length === 0) { process.exit(1); }
      console.log(releases[releases.length - 1]);
    });'
}

version=$(newest 'aws-cdk-lib@2') || fail "the registry did not answer for aws-cdk-lib@2"
constructs_range=$(npm view "aws-cdk-lib@$version" peerDependencies.constructs 2>/dev/null) \
  || fail "the registry did not answer for aws-cdk-lib@$version's peer dependencies"
constructs=$(newest "constructs@${constructs_range:-^10}") || fail "no constructs release in ${constructs_range:-^10}"
nag2=$(newest 'cdk-nag@2') || fail "the registry did not answer for cdk-nag@2"
nag3=$(newest 'cdk-nag@3') || fail "the registry did not answer for cdk-nag@3"
cli=$(newest 'aws-cdk@2') || fail "the registry did not answer for aws-cdk@2"
echo "$version" > "$reports/newest-cdk-version"
echo "newest aws-cdk-lib $version: constructs $constructs, cdk-nag $nag2 and $nag3, aws-cdk (CLI) $cli"

tests=("${CONSTRUCT_TESTS[@]}")
for file in "${CONSTRUCT_TESTS[@]}"; do
  [ -f "$root/$file" ] || fail "$file is listed in scripts/newest-cdk.sh but does not exist: update the list"
done
nag_tests=()
for file in "$root"/test/security/cdk-nag*.test.ts "$root"/test/security/compliance.test.ts; do
  [ -f "$file" ] && nag_tests+=("${file#"$root/"}")
done
mapfile -t validate_tests < <(cd "$root" && grep -rl --include='*.test.ts' 'cloudformation-validate' test/ | sort)
[ "${#nag_tests[@]}" -ge 1 ] || fail "found no cdk-nag test (test/security/cdk-nag*.test.ts)"
[ "${#validate_tests[@]}" -ge 1 ] || fail "found no template validation test (a test/ file that uses @aws/cloudformation-validate)"
tests+=("${nag_tests[@]}" "${validate_tests[@]}")

work=$(mktemp -d "${TMPDIR:-/tmp}/cdk-codestar-newest-cdk.XXXXXX")
# CDK_CODESTAR_NEWEST_KEEP=1 keeps the folder, to look into a failure.
if [ "${CDK_CODESTAR_NEWEST_KEEP:-}" = 1 ]; then echo "newest aws-cdk-lib $version: working in $work (kept)"; else trap 'rm -rf "$work"' EXIT; fi
(
  cd "$root" || exit 1
  # Files deleted in the working tree are still in the index: copy only what is on disk.
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' file; do if [ -e "$file" ] || [ -L "$file" ]; then printf '%s\0' "$file"; fi; done \
    | tar --null -T - -cf - | tar -xf - -C "$work"
) || fail "could not copy the working tree to $work"

cd "$work" || fail "no $work"
npm ci --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null \
  || fail "npm ci of the working tree failed"
npm install --no-save --no-audit --no-fund --prefer-offline --loglevel=error \
  "aws-cdk-lib@$version" "constructs@$constructs" "cdk-nag@$nag2" "cdk-nag-v3@npm:cdk-nag@$nag3" "aws-cdk@$cli" >/dev/null \
  || fail "npm install of aws-cdk-lib@$version constructs@$constructs cdk-nag@$nag2 cdk-nag@$nag3 aws-cdk@$cli failed"

# Exactly one aws-cdk-lib, the newest, or the tests would not be testing it.
installed=$(node -p "require('aws-cdk-lib/package.json').version")
[ "$installed" = "$version" ] || fail "aws-cdk-lib $installed was installed instead"
nested=$(find node_modules -mindepth 2 -path '*/node_modules/aws-cdk-lib/package.json' -not -path 'node_modules/aws-cdk-lib/*' | head -n 5)
[ -z "$nested" ] || fail "a second aws-cdk-lib is installed: $nested"
[ "$(node -p "require('cdk-nag-v3/package.json').version")" = "$nag3" ] || fail "cdk-nag $nag3 is not installed as cdk-nag-v3"

# The tests synthesize the handler asset; the command line's tests read its SDK bundles.
npx projen bundle:handler >/dev/null && npx projen bundle:cli-sdk >/dev/null || fail "the handler bundle failed"

status=0
CDK_CODESTAR_CDK_FLAVOUR=newest npx jest --ci --coverage=false --reporters=default \
  --json --outputFile="$results" "${tests[@]}" || status=1
[ "$status" -eq 0 ] || echo "newest aws-cdk-lib $version: tests failed (a snapshot that differs shows what aws-cdk-lib $version renders differently)" >&2

# The packed library, as users install it, in a fresh app on the newest aws-cdk-lib and CLI.
mkdir -p dist/js && cp "$root"/dist/js/cdk-codestar*.tgz dist/js/ 2>/dev/null
bash scripts/packed-app-check.sh || { echo "newest aws-cdk-lib $version: the packed-library check failed" >&2; status=1; }

[ "$status" -eq 0 ] || fail "failed (see above)"
echo "newest aws-cdk-lib $version: passed"
