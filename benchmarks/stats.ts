/** Small helpers shared by the benchmark sections: summaries, processes, formatting. */
import { spawn, SpawnOptions, spawnSync, SpawnSyncOptions } from 'child_process';
import * as path from 'path';
import { performance } from 'perf_hooks';

export const ROOT = path.join(__dirname, '..');

/** Median with the range it came from. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) {
    return { median: NaN, min: NaN, max: NaN, runs: 0 };
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** Runs a process to completion and times it from spawn to exit. */
export function timedSpawn(command: string, args: readonly string[], options: SpawnSyncOptions = {}) {
  const start = performance.now();
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024, ...options });
  const ms = performance.now() - start;
  if (result.error) {
    throw result.error;
  }
  return { ms, status: result.status, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

/**
 * The same, without blocking this process: needed when the child talks to a server running here
 * (the local CodeStar endpoint).
 */
export function timedSpawnAsync(command: string, args: readonly string[], options: SpawnOptions = {}) {
  return new Promise<{ ms: number; status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: ROOT, ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', d => { stdout += d; });
    child.stderr!.on('data', d => { stderr += d; });
    child.on('error', reject);
    child.on('close', status => resolve({ ms: performance.now() - start, status, stdout, stderr }));
  });
}

/** A progress line on stderr (stdout is left to the summary). */
export function progress(message: string) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
export const ms = (value: number) => (value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`);
export const ratio = (value: number) => `${value.toFixed(2)}x`;
export const int = (value: number) => Math.round(value).toLocaleString('en-US');

/** `median (min–max)` of a summary, formatted. */
export function range(s: Summary, format: (v: number) => string): string {
  return s.runs <= 1 ? format(s.median) : `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

/** The current 1-minute load average and the number of CPUs: how busy the machine was. */
export function machineLoad() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const os = require('os') as typeof import('os');
  return { loadAverage1m: os.loadavg()[0], cpus: os.cpus().length };
}
