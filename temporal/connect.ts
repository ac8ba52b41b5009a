/**
 * One way to reach Temporal for every command: the cluster at TEMPORAL_ADDRESS when set, otherwise
 * the embedded dev server on this machine, started here if it is not already running.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Settings } from '../config/settings';
import { acquireEmbeddedServer, type EmbeddedLease } from './embeddedServer';
import { searchAttributeDefinitions } from './searchAttributes';

export interface Temporal {
  address: string;
  namespace: string;
  uiUrl?: string;
  connection: Connection;
  client: Client;
  /** Set when this command uses the shared embedded server (temporal/embeddedServer.ts). */
  embedded?: EmbeddedLease;
  /** Closes the connection and releases the embedded server; `interrupted`: as fast as possible (Ctrl-C). */
  close(options?: { interrupted?: boolean }): Promise<void>;
}

export async function openTemporal(settings: Settings, options: { headless?: boolean } = {}): Promise<Temporal> {
  let embedded: EmbeddedLease | undefined;
  let address = settings.temporalAddress;
  let uiUrl = settings.uiUrl;
  if (address === undefined) {
    embedded = await acquireEmbeddedServer(settings.stateDir, {
      binary: settings.temporalBinary,
      dbFile: path.join(settings.stateDir, 'temporal.db'),
      logFile: path.join(settings.stateDir, 'logs', 'temporal.log'),
      port: settings.embeddedPort,
      uiPort: settings.embeddedUiPort,
      headless: options.headless,
    });
    address = embedded.address;
    uiUrl ??= embedded.uiUrl;
  }
  let connection: Connection;
  try {
    connection = await Connection.connect(connectionOptions(settings, address));
    if (settings.temporalAddress !== undefined) await ensureSearchAttributes(connection, settings.namespace);
  } catch (err) {
    await embedded?.release();
    throw err;
  }
  return {
    address,
    namespace: settings.namespace,
    uiUrl,
    connection,
    client: new Client({ connection, namespace: settings.namespace }),
    embedded,
    async close({ interrupted = false } = {}) {
      // On Ctrl-C the process exits next, which closes the connection; only the lease matters.
      if (!interrupted) await connection.close();
      await embedded?.release({ wait: !interrupted });
    },
  };
}

/** Workers need the native (Rust core) connection, with the same address and credentials. */
export function openWorkerConnection(settings: Settings, address: string): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(settings, address));
}

export function workflowUrl(temporal: Pick<Temporal, 'uiUrl' | 'namespace'>, workflowId: string): string | undefined {
  if (!temporal.uiUrl) return undefined;
  return `${temporal.uiUrl}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

function connectionOptions(settings: Settings, address: string): ConnectionOptions & { address: string; apiKey?: string } {
  const tls = settings.tls;
  // Secrets come from the environment and go only into the connection, never into workflow data.
  const apiKey = process.env.TEMPORAL_API_KEY;
  return {
    address,
    apiKey: apiKey || undefined,
    tls: tls
      ? {
          serverNameOverride: tls.serverName,
          serverRootCACertificate: tls.caPath ? readFileSync(tls.caPath) : undefined,
          clientCertPair: tls.certPath && tls.keyPath ? { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) } : undefined,
        }
      : apiKey
        ? true
        : undefined,
  };
}

/** Registers the custom search attributes on an external cluster that lacks them. */
async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributeDefinitions.filter((a) => !(a.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  // 2 = INDEXED_VALUE_TYPE_KEYWORD in temporal.api.enums.v1.IndexedValueType.
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((a) => [a.name, 2])),
  });
}
