/** Shared plumbing of the commands: settings, the Temporal connection, and exit codes. */
import { readSettings, type Settings } from '../config/settings';
import { openTemporal, type Temporal } from '../temporal/connect';

/** Exit codes: 1 a run failed or was cancelled, 2 bad input (config, arguments), 130 interrupted. */
export const exitCodes = { runFailed: 1, badInput: 2, interrupted: 130 } as const;

export async function withTemporal<T>(body: (temporal: Temporal, settings: Settings) => Promise<T>): Promise<T> {
  const settings = readSettings();
  const temporal = await openTemporal(settings);
  if (temporal.embedded) process.stderr.write(`started the embedded Temporal server on ${temporal.address} (history in ${settings.stateDir})\n`);
  try {
    return await body(temporal, settings);
  } finally {
    await temporal.close();
  }
}
