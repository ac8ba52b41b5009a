/**
 * Machine-level settings (where the state lives, which Temporal to use, worker concurrency) come
 * from the environment, not from the experiment file: one worker serves many experiments.
 */
import path from 'node:path';
import { z } from 'zod';

export const projectRoot = path.resolve(__dirname, '..', '..');

const port = z.coerce.number().int().min(1).max(65535);
/** FAIT_ARTIFACTS: s3://bucket[/prefix], with an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens). */
export const s3LocationPattern = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;
const settingsSchema = z.object({
  FAIT_STATE_DIR: z.string().min(1).optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  TEMPORAL_UI_URL: z.string().url().optional(),
  FAIT_TEMPORAL_BIN: z.string().min(1).optional(),
  FAIT_PYTHON: z.string().min(1).optional(),
  FAIT_TEMPORAL_PORT: port.default(7233),
  FAIT_UI_PORT: port.optional(),
  FAIT_CPU_CONCURRENCY: z.coerce.number().int().positive().default(4),
  FAIT_GPU_CONCURRENCY: z.coerce.number().int().positive().default(1),
  FAIT_ARTIFACTS: z
    .string()
    .regex(s3LocationPattern, 'expected s3://bucket[/prefix] (unset: the local folder <state dir>/artifacts)')
    .optional(),
});

export interface Settings {
  stateDir: string;
  /** Unset: fait runs its own embedded dev server. */
  temporalAddress?: string;
  namespace: string;
  tls?: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
  /** Web UI base URL for links; the embedded server's own UI when unset. */
  uiUrl?: string;
  temporalBinary: string;
  /** Python of the trainer's environment (.venv by default). */
  python: string;
  embeddedPort: number;
  embeddedUiPort: number;
  concurrency: { cpu: number; gpu: number };
  /** s3://bucket/prefix of a shared artifact store; unset: <stateDir>/artifacts. */
  artifacts?: string;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `environment variable ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid settings:\n  ${problems.join('\n  ')}`);
  }
  const s = parsed.data;
  const tlsWanted = s.TEMPORAL_TLS_CERT || s.TEMPORAL_TLS_KEY || s.TEMPORAL_TLS_CA || s.TEMPORAL_TLS_SERVER_NAME;
  return {
    stateDir: path.resolve(s.FAIT_STATE_DIR ?? path.join(process.cwd(), '.fait')),
    temporalAddress: s.TEMPORAL_ADDRESS,
    namespace: s.TEMPORAL_NAMESPACE,
    tls: tlsWanted
      ? { certPath: s.TEMPORAL_TLS_CERT, keyPath: s.TEMPORAL_TLS_KEY, caPath: s.TEMPORAL_TLS_CA, serverName: s.TEMPORAL_TLS_SERVER_NAME }
      : undefined,
    uiUrl: s.TEMPORAL_UI_URL,
    temporalBinary: s.FAIT_TEMPORAL_BIN ?? path.join(projectRoot, '.venv', 'bin', 'temporal'),
    python: s.FAIT_PYTHON ?? path.join(projectRoot, '.venv', 'bin', 'python'),
    embeddedPort: s.FAIT_TEMPORAL_PORT,
    embeddedUiPort: s.FAIT_UI_PORT ?? s.FAIT_TEMPORAL_PORT + 1000,
    concurrency: { cpu: s.FAIT_CPU_CONCURRENCY, gpu: s.FAIT_GPU_CONCURRENCY },
    artifacts: s.FAIT_ARTIFACTS,
  };
}
