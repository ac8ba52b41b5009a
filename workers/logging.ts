/**
 * Worker logs: one compact line per entry (run and activity ids instead of task tokens), appended
 * to the state folder's worker.log and, for a foreground `fait worker`, echoed to stderr.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

const shownMeta = ['workflowId', 'activityType', 'attempt', 'taskQueue', 'state', 'error'];

export function installWorkerLogging(stateDir: string, echo: { stderr: boolean; level: LogLevel }): void {
  const file = path.join(stateDir, 'logs', 'worker.log');
  mkdirSync(path.dirname(file), { recursive: true });
  const levels: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
  const logger = new DefaultLogger('INFO', (entry) => {
    const meta = Object.entries(entry.meta ?? {})
      .filter(([key]) => shownMeta.includes(key))
      .map(([key, value]) => `${key}=${value instanceof Error ? value.message : String(value)}`)
      .join(' ');
    const line = `${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${entry.message}${meta ? ` ${meta}` : ''}\n`;
    appendFileSync(file, line);
    if (echo.stderr && levels.indexOf(entry.level) >= levels.indexOf(echo.level)) process.stderr.write(line);
  });
  Runtime.install({ logger });
}
