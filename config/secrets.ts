/**
 * Secrets (API keys) for workers: from the environment, or from the dotenv-style file named by
 * FAIT_SECRETS_FILE. Only names of secrets ever travel in workflow inputs; values are read here,
 * on the worker that needs them, and handed straight to the client that uses them.
 */
import { readFileSync } from 'node:fs';

export function readSecret(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  if (value) return value;
  const file = env.FAIT_SECRETS_FILE;
  if (!file) return undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match && match[1] === name) return match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return undefined;
}

export function missingSecretMessage(name: string): string {
  return `the teacher's API key is missing: set the environment variable ${name} on the workers (or put ${name}=... in the file named by FAIT_SECRETS_FILE); teacher.apiKeyEnv names it`;
}
