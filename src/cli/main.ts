#!/usr/bin/env node
import { deployCommand, destroyCommand } from './deploy';
import { driftCommand } from './drift';
import { CommandError, EXIT, UsageError } from './errors';
import { importCommand } from './import';
import { CommandIo, processIo } from './io';
import { planCommand } from './plan';
import { main as localMain } from '../local/cli';

export const USAGE = `Usage: cdk-codestar <command> [options]

AWS CodeStar for your CDK app, on this machine.

Commands:
  local      start a local CodeStar endpoint (its account optionally kept in a file)
  deploy     deploy a cloud assembly's stacks to a CodeStar endpoint, as CloudFormation would
  destroy    delete the stacks deploy deployed
  plan       what deploying a cloud assembly will do to CodeStar: the exact calls, replacements flagged
  import     write a CDK app that declares the account's existing CodeStar projects, teams and profiles
  drift      compare the CodeStar resources deploy deployed with what CodeStar holds now

Run \`cdk-codestar <command> --help\` for a command's options. Every command takes --debug, which
prints the stack trace of an unexpected error.
`;

/** Each command prints its own --help; it answers the exit code, a long-running one once it has stopped. */
type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  local: async (argv, io) => {
    const handle = await localMain(argv, io, 'cdk-codestar local');
    await handle?.stopped;
    return EXIT.ok;
  },
  deploy: deployCommand,
  destroy: destroyCommand,
  plan: planCommand,
  import: importCommand,
  drift: driftCommand,
};

/** Runs one command line; answers the exit code. Errors become one line (and a trace with --debug). */
export async function run(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    io.out(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`cdk-codestar: unknown command ${name} (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return EXIT.usage;
  }
  try {
    return await command(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`cdk-codestar ${name}: ${e.message} (see cdk-codestar ${name} --help)`);
      return EXIT.usage;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.err(`cdk-codestar ${name}: ${message.split('\n')[0]}`);
    if (!(e instanceof CommandError) && rest.includes('--debug') && e instanceof Error && e.stack) {
      io.err(e.stack);
    }
    return EXIT.failed;
  }
}

if (require.main === module) {
  void run(process.argv.slice(2)).then(code => { process.exitCode = code; });
}
