/**
 * Content-addressed local artifact store. Stages hand each other ArtifactRefs (URI + sha256 +
 * record count) instead of data, because Temporal rejects payloads over 2 MB and histories over
 * 50 MB. Files are written atomically, so a crash can never leave a half-written file under a
 * final name; because the name is the content hash, writing the same content twice (a retried
 * activity) yields the same reference.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFileAtomic } from './atomic';

export interface ArtifactRef {
  uri: string;
  sha256: string;
  /** Records in the artifact (lines of a JSONL file, 1 for a JSON document). */
  count: number;
  bytes: number;
}

export class ArtifactStore {
  constructor(readonly root: string) {}

  /** Writes `data` atomically under its sha256 and returns its reference. */
  put(data: Buffer | string, count: number, extension: 'jsonl' | 'json'): ArtifactRef {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const sha256 = sha256Hex(bytes);
    const final = path.join(this.root, 'sha256', sha256.slice(0, 2), `${sha256}.${extension}`);
    writeFileAtomic(final, bytes);
    return { uri: pathToFileURL(final).href, sha256, count, bytes: bytes.length };
  }

  putJsonl(records: readonly unknown[]): ArtifactRef {
    const text = records.map((r) => JSON.stringify(r) + '\n').join('');
    return this.put(text, records.length, 'jsonl');
  }

  putJson(value: unknown): ArtifactRef {
    return this.put(JSON.stringify(value, null, 2) + '\n', 1, 'json');
  }
}

/** Reads an artifact and checks it against its reference; throws if it is missing or altered. */
export function readArtifact(ref: ArtifactRef): Buffer {
  const file = artifactPath(ref);
  const bytes = readFileSync(file);
  const actual = sha256Hex(bytes);
  if (actual !== ref.sha256) {
    throw new Error(`artifact ${file} is corrupt: sha256 ${actual}, expected ${ref.sha256}`);
  }
  return bytes;
}

export function readJsonlArtifact<T>(ref: ArtifactRef): T[] {
  const text = readArtifact(ref).toString('utf8');
  return text.length === 0 ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as T);
}

/** True when the artifact exists with the recorded hash (used to skip work already done). */
export function artifactIsIntact(ref: ArtifactRef): boolean {
  try {
    readArtifact(ref);
    return true;
  } catch {
    return false;
  }
}

export function artifactPath(ref: ArtifactRef): string {
  if (!ref.uri.startsWith('file:')) throw new Error(`unsupported artifact URI ${ref.uri}: only file: URIs are stored locally`);
  return fileURLToPath(ref.uri);
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
