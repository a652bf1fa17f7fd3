/**
 * Logs as Lambda keeps them: what a function run in this process prints (console.log and its
 * siblings, within the invocation's asynchronous context) is appended to that function's log file,
 * one line per call in the Lambda runtime's format (`<time>\t<request id>\t<LEVEL>\t<message>`),
 * instead of reaching the caller's output. Calls made outside an invocation, and by code that runs
 * at the same time but is not the function, print as before: the console is patched only while an
 * invocation with a log file runs, and each call is attributed through AsyncLocalStorage.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';

interface Invocation {
  readonly logFile: string;
  readonly requestId: string;
}

const METHODS = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' } as const;
type Method = keyof typeof METHODS;

const current = new AsyncLocalStorage<Invocation>();
let active = 0;
let originals: Partial<Record<Method, (...args: unknown[]) => void>> = {};
let wrappers: Partial<Record<Method, (...args: unknown[]) => void>> = {};

function patch(): void {
  originals = {};
  wrappers = {};
  for (const method of Object.keys(METHODS) as Method[]) {
    const original = console[method] as (...args: unknown[]) => void;
    originals[method] = original;
    console[method] = wrappers[method] = (...args: unknown[]) => {
      const invocation = current.getStore();
      if (!invocation) {
        original.apply(console, args);
        return;
      }
      const line = `${new Date().toISOString()}\t${invocation.requestId}\t${METHODS[method]}\t${format(...args)}\n`;
      // Readable by its owner only, as the state next to it.
      fs.appendFileSync(invocation.logFile, line, { mode: 0o600 });
    };
  }
}

/** Restores the console, where nobody has replaced the wrapper since (a spy keeps what it wraps). */
function unpatch(): void {
  for (const method of Object.keys(originals) as Method[]) {
    if (console[method] === wrappers[method]) {
      console[method] = originals[method] as never;
    }
  }
  originals = {};
  wrappers = {};
}

/**
 * Runs one invocation with its console output going to `logFile` (none: to the console, as
 * before). The console is restored once no such invocation runs (an invocation ends when its
 * function settles, also after it timed out); what its code prints after that reaches the console.
 */
export async function withFunctionLog<T>(logFile: string | undefined, requestId: string, run: () => Promise<T>): Promise<T> {
  if (logFile === undefined) {
    return run();
  }
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  if (active++ === 0) {
    patch();
  }
  try {
    return await current.run({ logFile, requestId }, run);
  } finally {
    if (--active === 0) {
      unpatch();
    }
  }
}

/** The lines a log file gained after `fromByte` (its size before a request), at most `max` of the last. */
export function logLinesSince(logFile: string, fromByte: number, max: number): string[] {
  if (!fs.existsSync(logFile)) {
    return [];
  }
  const lines = fs.readFileSync(logFile).subarray(fromByte).toString('utf-8').split('\n').filter(line => line !== '');
  return lines.slice(-max);
}

/** A log file's size now (0 when it does not exist yet). */
export function logSize(logFile: string): number {
  return fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
}
