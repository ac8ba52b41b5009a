/** Shared plumbing of the commands: settings, the Temporal connection, exit codes and Ctrl-C. */
import { readSettings, type Settings } from '../config/settings';
import { openTemporal, type Temporal } from '../temporal/connect';

/** Exit codes: 0 ok, 1 a run failed or was cancelled, 2 bad input (config, arguments, ids), 130 interrupted. */
export const exitCodes = { ok: 0, runFailed: 1, badInput: 2, interrupted: 130 } as const;

/** Bad input (a missing file, an unknown id): main prints the message as it is and exits 2. */
export class BadInputError extends Error {
  override name = 'BadInputError';
}

/** How a command leaves on Ctrl-C (SIGINT) or SIGTERM. */
export interface InterruptOptions {
  /**
   * exit (default): print one line, drop the embedded-server lease and exit 130 at once; in-process
   * workers stop with the process and their activities are retried elsewhere (runs are durable).
   * graceful: leave the signal to the Temporal runtime, which shuts the workers down (`fait worker`).
   */
  interrupt?: 'exit' | 'graceful';
}

let interruptLine = 'fait: interrupted';

/** The one line printed on Ctrl-C, e.g. where the interrupted run can be found again. */
export function setInterruptLine(line: string): void {
  interruptLine = line;
}

export async function withTemporal<T>(body: (temporal: Temporal, settings: Settings) => Promise<T>, options: InterruptOptions = {}): Promise<T> {
  const settings = readSettings();
  let temporal: Temporal | undefined;
  // Installed before the server is joined or started: Ctrl-C while it starts is quick and quiet too.
  const uninstall = options.interrupt === 'graceful' ? () => {} : exitOnInterrupt(() => temporal);
  try {
    temporal = await openTemporal(settings);
    if (temporal.embedded?.started) {
      process.stderr.write(`started the embedded Temporal server on ${temporal.address} (history in ${settings.stateDir}; it stops when the last fait command using it ends)\n`);
    }
    return await body(temporal, settings);
  } finally {
    uninstall();
    await temporal?.close();
  }
}

/** Bounded: Ctrl-C must be done in well under 2 s even when the lock is busy. */
const interruptDeadlineMs = 1_200;

function exitOnInterrupt(temporal: () => Temporal | undefined): () => void {
  let signalled = false;
  const handler = () => {
    if (signalled) process.exit(exitCodes.interrupted);
    signalled = true;
    process.stderr.write(`${interruptLine}\n`);
    // A lease or lock left behind by a process that exited holds nothing, so the deadline is safe.
    setTimeout(() => process.exit(exitCodes.interrupted), interruptDeadlineMs).unref();
    void (temporal()?.close({ interrupted: true }) ?? Promise.resolve()).finally(() => process.exit(exitCodes.interrupted));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
