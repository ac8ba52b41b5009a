/** `fait server`: run the embedded Temporal dev server in the foreground; `fait server stop`: stop the shared one. */
import path from 'node:path';
import type { Command } from 'commander';
import { readSettings } from '../../config/settings';
import { startDevServer } from '../../temporal/devServer';
import { stopEmbeddedServer } from '../../temporal/embeddedServer';

export function registerServer(program: Command): void {
  program
    .command('server')
    .description(
      'run the embedded Temporal server (SQLite history in the state folder, Web UI) until interrupted;\n' +
        '`fait server stop` stops the shared embedded server that fait commands started (left running after a command was killed)',
    )
    .argument('[action]', '"stop": stop the shared embedded server')
    .option('--port <port>', 'gRPC port (default FAIT_TEMPORAL_PORT or 7233)', (v) => Number.parseInt(v, 10))
    .option('--ui-port <port>', 'Web UI port (default gRPC port + 1000)', (v) => Number.parseInt(v, 10))
    .option('--headless', 'no Web UI')
    .option('--force', 'with stop: stop it even while fait commands use it')
    .action(async (action: string | undefined, options: { port?: number; uiPort?: number; headless?: boolean; force?: boolean }, command: Command) => {
      const settings = readSettings();
      if (action !== undefined) {
        if (action !== 'stop') command.error(`fait server: unknown action "${action}" (expected "stop")`, { exitCode: 2 });
        process.stdout.write(`${await stopEmbeddedServer(settings.stateDir, options.force ?? false)}\n`);
        return;
      }
      const port = options.port ?? settings.embeddedPort;
      const server = await startDevServer({
        binary: settings.temporalBinary,
        dbFile: path.join(settings.stateDir, 'temporal.db'),
        logFile: path.join(settings.stateDir, 'logs', 'temporal.log'),
        port,
        uiPort: options.uiPort ?? port + 1000,
        headless: options.headless,
      });
      process.stdout.write(`Temporal server on ${server.address}${server.uiUrl ? `, Web UI ${server.uiUrl}` : ''}\n`);
      const stop = () => void server.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise((resolve) => server.process.once('exit', resolve));
    });
}
