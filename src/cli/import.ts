import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCommandLine } from './arguments';
import { CodeStarReader, LiveProject, LiveUserProfile } from './codestar';
import { CommandError, EXIT, UsageError } from './errors';
import { generateApp, ReadAccount, ReadProject, STACK_CLASS } from './generate-app';
import { CommandIo } from './io';
import { isProjectId, isUserArn } from '../private/identifiers';

export const DEFAULT_IMPORT_FILE = 'codestar-app.ts';
export const DEFAULT_STACK_NAME = 'CodeStarAccount';

export const IMPORT_USAGE = `Usage: cdk-codestar import [options]

Reads the CodeStar projects, team members and user profiles that exist in the account (read-only:
Describe and List calls only) and writes a TypeScript CDK app that declares them as they are, so
that deploying it changes nothing: projects and profiles are adopted and retained, memberships
adopted and restored on destroy. The file's header says what it leaves out. The account is the one
the AWS SDK's standard settings give (credentials, AWS_REGION; AWS_ENDPOINT_URL_CODESTAR for a local
endpoint). Exit code 0 when the file was written, 1 when it was not, 2 for a wrong command line.

The file holds personal data (IAM user ARNs, display names, e-mail addresses, SSH public keys): it is
written readable by you alone; keep it out of public places.

Options:
  --project <id>        import only this project (repeatable)        (default: every project)
  --out <file>          the file to write                            (default: ${DEFAULT_IMPORT_FILE})
  --stack-name <name>   the stack the app declares                   (default: ${DEFAULT_STACK_NAME})
  --team-only           import the projects by id and declare only their team members
                        (no project or profile of the stack's own)
  --force               overwrite the file if it exists
  --json                print a machine-readable summary on stdout
  --debug               print the stack trace of an unexpected error
  -h, --help            print this help
`;

interface ImportOptions {
  readonly help: boolean;
  readonly json: boolean;
  readonly force: boolean;
  readonly teamOnly: boolean;
  readonly projects?: string[];
  readonly out: string;
  readonly stackName: string;
}

/** The project states a deploy can adopt: anything else fails or waits in the handler. */
const ADOPTABLE_STATES = new Set([undefined, 'CreateComplete', 'UpdateComplete']);

function parse(argv: readonly string[]): ImportOptions {
  const parsed = parseCommandLine(argv, {
    options: {
      'help': { type: 'boolean', short: 'h' },
      'json': { type: 'boolean' },
      'debug': { type: 'boolean' },
      'force': { type: 'boolean' },
      'team-only': { type: 'boolean' },
      'project': { type: 'string', multiple: true },
      'out': { type: 'string' },
      'stack-name': { type: 'string' },
    },
    allowPositionals: false,
  });
  const values = parsed.values as {
    'help'?: boolean; 'json'?: boolean; 'force'?: boolean; 'team-only'?: boolean; 'project'?: string[]; 'out'?: string; 'stack-name'?: string;
  };
  const invalid = (values.project ?? []).filter(id => !isProjectId(id));
  if (invalid.length > 0) {
    throw new UsageError(`--project must be a CodeStar project id (2 to 15 characters: a-z, 0-9 and -, starting with a letter), got ${invalid.join(', ')}`);
  }
  const stackName = values['stack-name'] ?? DEFAULT_STACK_NAME;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw new UsageError(`--stack-name must be a CloudFormation stack name (up to 128 letters, digits and -, starting with a letter), got ${stackName}`);
  }
  if (values.out === '') {
    throw new UsageError('--out must name a file');
  }
  return {
    help: values.help === true,
    json: values.json === true,
    force: values.force === true,
    teamOnly: values['team-only'] === true,
    projects: values.project === undefined ? undefined : [...new Set(values.project)].sort(),
    out: values.out ?? DEFAULT_IMPORT_FILE,
    stackName,
  };
}

/** `cdk-codestar import`: answers the exit code. */
export async function importCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const options = parse(argv);
  if (options.help) {
    io.out(IMPORT_USAGE);
    return EXIT.ok;
  }
  const file = path.resolve(io.cwd, options.out);
  // Before reading anything: the answer would not change.
  if (!options.force && fs.existsSync(file)) {
    throw new CommandError(`${options.out} exists: give --force to overwrite it, or another --out`);
  }

  const read = await readAccount(CodeStarReader.fromEnvironment(io.env), options);
  const app = generateApp(read, { stackName: options.stackName, teamOnly: options.teamOnly, fileName: options.out });
  writePrivateFile(file, app.source, options);

  const personal = ['IAM user ARNs', ...(app.profiles > 0 ? ['display names', 'e-mail addresses'] : []), ...(app.hasSshKeys ? ['SSH public keys'] : [])];
  io.err(`warning: ${options.out} holds personal data (${personal.join(', ')}): keep it out of public places `
    + '(public repositories, issues, chat); it is readable by you alone (mode 0600).');
  if (options.json) {
    io.out(JSON.stringify({
      file: options.out,
      stackName: options.stackName,
      stackClass: STACK_CLASS,
      account: read.account,
      region: read.region,
      teamOnly: options.teamOnly,
      projects: read.projects.map(p => p.project.id),
      members: app.members,
      profiles: app.profiles,
      users: app.users,
      leftOut: { members: app.leftOutMembers, projects: read.skippedProjects },
    }, undefined, 2));
  } else {
    io.out(`${count(app.projects, 'project')}, ${count(app.members, 'member')}, ${count(app.profiles, 'profile')} written to ${options.out} `
      + `(stack ${options.stackName}, account ${read.account}, ${read.region}).`);
    const leftOut = [
      ...(app.leftOutMembers > 0 ? [`${count(app.leftOutMembers, 'member')} the constructs cannot declare`] : []),
      ...(read.skippedProjects.length > 0 ? [`${count(read.skippedProjects.length, 'project')} not in a state to adopt`] : []),
    ];
    if (leftOut.length > 0) {
      io.out(`Left out: ${leftOut.join(', ')} (listed in the file's header).`);
    }
  }
  return EXIT.ok;
}

/** Everything the app declares, read from the account: Describe and List calls only. */
async function readAccount(reader: CodeStarReader, options: ImportOptions): Promise<ReadAccount> {
  const ids = options.projects ?? [...await reader.projectIds()].sort();
  const found: LiveProject[] = [];
  const unknown: string[] = [];
  for (const id of ids) {
    const project = await reader.project(id);
    if (project === undefined) {
      unknown.push(id);
    } else {
      found.push(project);
    }
  }
  if (unknown.length > 0) {
    throw new CommandError(`no CodeStar project ${unknown.join(', ')} in this account and region`);
  }
  if (found.length === 0) {
    throw new CommandError('the account has no CodeStar project in this region: there is nothing to import');
  }
  const { account, region } = environmentOf(found);

  const projects: ReadProject[] = [];
  const skippedProjects: Array<{ id: string; reason: string }> = [];
  for (const project of found) {
    if (!ADOPTABLE_STATES.has(project.state)) {
      skippedProjects.push({ id: project.id, reason: `its state is ${project.state}` });
      continue;
    }
    const [members, resources] = await Promise.all([reader.teamMembers(project.id), reader.projectResources(project.id)]);
    if (members === undefined) {
      skippedProjects.push({ id: project.id, reason: 'it was deleted while it was read' });
      continue;
    }
    projects.push({ project, members, resources });
  }

  let profiles: LiveUserProfile[] = [];
  if (!options.teamOnly && options.projects === undefined) {
    profiles = await reader.userProfiles();
  } else if (!options.teamOnly) {
    // Only the profiles of the imported projects' users: another project's users are not this file's business.
    const users = [...new Set(projects.flatMap(p => p.members.map(m => m.userArn)).filter(isUserArn))].sort();
    for (const userArn of users) {
      const profile = await reader.userProfile(userArn);
      if (profile !== undefined) {
        profiles.push(profile);
      }
    }
  }
  return { account, region, projects, profiles, skippedProjects };
}

/** The account and region of the projects' ARNs (`arn:<partition>:codestar:<region>:<account>:project/<id>`). */
function environmentOf(projects: readonly LiveProject[]): { account: string; region: string } {
  const environments = new Set<string>();
  for (const project of projects) {
    const match = /^arn:[^:]+:codestar:([^:]+):(\d{12}):project\/[^/]+$/.exec(project.arn);
    if (match === null) {
      throw new CommandError(`project ${project.id} has an ARN that names no region and account: ${JSON.stringify(project.arn)}`);
    }
    environments.add(`${match[2]} ${match[1]}`);
  }
  if (environments.size > 1) {
    throw new CommandError(`the projects are in more than one account or region (${[...environments].sort().join(', ')}): import them one --project at a time`);
  }
  const [account, region] = [...environments][0].split(' ');
  return { account, region };
}

/** Writes the file readable by its owner alone; without --force, never over a file that appeared meanwhile. */
function writePrivateFile(file: string, source: string, options: ImportOptions): void {
  try {
    fs.writeFileSync(file, source, { mode: 0o600, flag: options.force ? 'w' : 'wx' });
    // An overwritten file keeps its mode: make it private as well.
    fs.chmodSync(file, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new CommandError(`${options.out} exists: give --force to overwrite it, or another --out`);
    }
    throw new CommandError(`cannot write ${options.out}: ${(e as Error).message}`);
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
