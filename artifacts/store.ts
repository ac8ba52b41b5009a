/**
 * Content-addressed artifact store. Stages hand each other ArtifactRefs (URI + sha256 + record
 * count) instead of data, because Temporal rejects payloads over 2 MB and histories over 50 MB.
 * Because the name is the content hash, writing the same content twice (a retried activity) yields
 * the same reference, and nothing is ever visible half-written under a final name.
 *
 * Two backends behind one interface, chosen by FAIT_ARTIFACTS (see openArtifactStore): a local
 * folder (file: URIs, the default) and an S3-compatible bucket (s3:// URIs, artifacts/s3Store.ts),
 * which workers on several machines can share. A reference names its backend by its URI scheme,
 * so the readers below take any reference.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFileAtomic } from './atomic';
import { parseS3Uri, S3Objects } from './s3';

export interface ArtifactRef {
  uri: string;
  sha256: string;
  /** Records in the artifact (lines of a JSONL file, 1 for a JSON document). */
  count: number;
  bytes: number;
}

export type ArtifactExtension = 'jsonl' | 'json';

export interface ArtifactStore {
  /** Where new artifacts go: the local folder, or s3://bucket/prefix. */
  readonly location: string;
  /** Stores `data` under its sha256 and returns its reference. */
  put(data: Buffer | string, count: number, extension: ArtifactExtension): Promise<ArtifactRef>;
  putJsonl(records: readonly unknown[]): Promise<ArtifactRef>;
  putJson(value: unknown): Promise<ArtifactRef>;
  /** A local file with the artifact's (verified) content, for subprocesses that read paths. */
  localPath(ref: ArtifactRef): Promise<string>;
  /**
   * Makes a local directory (a trained model) readable by other workers and returns where they
   * find it: the path itself for the local store, an s3:// manifest URI for S3.
   */
  shareDirectory(dir: string): Promise<string>;
  /** A local directory for what shareDirectory returned (downloaded and checked if remote). */
  openDirectory(location: string): Promise<string>;
  /** Mirrors a training run's checkpoints to the store; undefined where they are local anyway. */
  checkpointMirror(runId: string, keep: number): CheckpointMirror | undefined;
}

export interface CheckpointMirror {
  /** Downloads the latest stored checkpoint into `localDir` unless it has that one or a newer one. */
  restore(localDir: string): Promise<string | undefined>;
  /** Queues the upload of a checkpoint the trainer reported; `done` hears how it went (best effort). */
  schedule(checkpointDir: string, done: (err?: Error) => void): void;
  /** Waits for the queue, then makes sure the newest local checkpoint is stored (throws if not). */
  finish(localDir: string): Promise<void>;
}

export function recordsText(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r) + '\n').join('');
}

export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** The local folder backend: <root>/sha256/<first two hex digits>/<sha256>.<extension>. */
export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  get location(): string {
    return this.root;
  }

  async put(data: Buffer | string, count: number, extension: ArtifactExtension): Promise<ArtifactRef> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const sha256 = sha256Hex(bytes);
    const final = path.join(this.root, 'sha256', sha256.slice(0, 2), `${sha256}.${extension}`);
    writeFileAtomic(final, bytes);
    return { uri: pathToFileURL(final).href, sha256, count, bytes: bytes.length };
  }

  putJsonl(records: readonly unknown[]): Promise<ArtifactRef> {
    return this.put(recordsText(records), records.length, 'jsonl');
  }

  putJson(value: unknown): Promise<ArtifactRef> {
    return this.put(jsonText(value), 1, 'json');
  }

  async localPath(ref: ArtifactRef): Promise<string> {
    return artifactPath(ref);
  }

  async shareDirectory(dir: string): Promise<string> {
    return dir;
  }

  async openDirectory(location: string): Promise<string> {
    if (location.startsWith('s3://')) throw new Error(`${location} is in S3, but FAIT_ARTIFACTS does not name an S3 store on this worker`);
    return location;
  }

  checkpointMirror(): undefined {
    return undefined;
  }
}

/** Reads an artifact and checks it against its reference; throws if it is missing or altered. */
export async function readArtifact(ref: ArtifactRef): Promise<Buffer> {
  if (ref.uri.startsWith('s3://')) {
    const { bucket, key } = parseS3Uri(ref.uri);
    return new S3Objects(bucket).getVerified(key, ref.sha256);
  }
  const file = artifactPath(ref);
  const bytes = readFileSync(file);
  const actual = sha256Hex(bytes);
  if (actual !== ref.sha256) {
    throw new Error(`artifact ${file} is corrupt: sha256 ${actual}, expected ${ref.sha256}`);
  }
  return bytes;
}

export async function readJsonlArtifact<T>(ref: ArtifactRef): Promise<T[]> {
  const text = (await readArtifact(ref)).toString('utf8');
  return text.length === 0 ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as T);
}

/** The records of several JSONL artifacts, in order. */
export async function readJsonlArtifacts<T>(refs: readonly ArtifactRef[]): Promise<T[]> {
  return (await Promise.all(refs.map((ref) => readJsonlArtifact<T>(ref)))).flat();
}

/**
 * True when the artifact exists with the recorded hash (used to skip work already done). In S3 the
 * key is the hash and an object appears only complete, so a matching size is enough; reading it
 * checks the hash again.
 */
export async function artifactIsIntact(ref: ArtifactRef): Promise<boolean> {
  try {
    if (ref.uri.startsWith('s3://')) {
      const { bucket, key } = parseS3Uri(ref.uri);
      const head = await new S3Objects(bucket).head(key);
      return head !== undefined && head.bytes === ref.bytes && (head.sha256 === undefined || head.sha256 === ref.sha256);
    }
    await readArtifact(ref);
    return true;
  } catch {
    return false;
  }
}

/** The file of a local (file: URI) artifact. */
export function artifactPath(ref: ArtifactRef): string {
  if (!ref.uri.startsWith('file:')) throw new Error(`artifact ${ref.uri} is not a local file; use the store's localPath to fetch it`);
  return fileURLToPath(ref.uri);
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
