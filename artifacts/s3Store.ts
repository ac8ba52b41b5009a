/**
 * The S3 backend of the artifact store (FAIT_ARTIFACTS=s3://bucket/prefix). Keys under the prefix:
 *
 *   sha256/<ab>/<sha256>.jsonl|.json   an artifact, named by its content's sha256 (as locally)
 *   sha256/<ab>/<sha256>.blob          a file of a stored directory (a trained model), by content
 *   sha256/<ab>/<sha256>.dir.json      a directory's manifest (files, sizes, sha256s), written last
 *   runs/<run>/checkpoints/<name>/...  a training checkpoint's files
 *   runs/<run>/checkpoints/<name>.manifest.json   its manifest, written after the files
 *
 * Subprocesses that read paths (the trainer, generation) get verified copies in a local cache
 * (<state dir>/s3-cache), never in the local store.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { downloadDirectory, parseManifest, uploadDirectoryFiles, type DirectoryManifest } from './directory';
import { parseS3Location, parseS3Uri, S3Objects, type UploadOptions } from './s3';
import { jsonText, recordsText, sha256Hex, type ArtifactExtension, type ArtifactRef, type ArtifactStore, type CheckpointMirror } from './store';

export class S3ArtifactStore implements ArtifactStore {
  readonly objects: S3Objects;
  private readonly prefix: string;

  constructor(
    readonly location: string,
    private readonly cacheDir: string,
    options: UploadOptions = {},
  ) {
    const { bucket, prefix } = parseS3Location(location);
    this.objects = new S3Objects(bucket, undefined, options);
    this.prefix = prefix ? `${prefix}/` : '';
  }

  /** The key of a content-addressed object. */
  contentKey(sha256: string, suffix: string): string {
    return `${this.prefix}sha256/${sha256.slice(0, 2)}/${sha256}.${suffix}`;
  }

  async put(data: Buffer | string, count: number, extension: ArtifactExtension): Promise<ArtifactRef> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const sha256 = sha256Hex(bytes);
    const key = this.contentKey(sha256, extension);
    // Same key, same content: an object already there (a retried activity) is not written again.
    if ((await this.objects.head(key))?.bytes !== bytes.length) await this.objects.putBytes(key, bytes, sha256);
    return { uri: this.objects.uri(key), sha256, count, bytes: bytes.length };
  }

  putJsonl(records: readonly unknown[]): Promise<ArtifactRef> {
    return this.put(recordsText(records), records.length, 'jsonl');
  }

  putJson(value: unknown): Promise<ArtifactRef> {
    return this.put(jsonText(value), 1, 'json');
  }

  async localPath(ref: ArtifactRef): Promise<string> {
    if (ref.uri.startsWith('file:')) throw new Error(`artifact ${ref.uri} is a local file of another store; this worker stores artifacts in ${this.location}`);
    const { bucket, key } = parseS3Uri(ref.uri);
    const file = path.join(this.cacheDir, 'sha256', ref.sha256.slice(0, 2), path.basename(key));
    if (!existsSync(file)) await new S3Objects(bucket).downloadVerified(key, ref.sha256, file);
    return file;
  }

  async shareDirectory(dir: string): Promise<string> {
    const manifest = await uploadDirectoryFiles(this.objects, dir, (_, sha) => this.contentKey(sha, 'blob'), true);
    const text = jsonText(manifest);
    const sha256 = sha256Hex(text);
    const key = this.contentKey(sha256, 'dir.json');
    await this.objects.putBytes(key, Buffer.from(text, 'utf8'), sha256);
    return this.objects.uri(key);
  }

  async openDirectory(location: string): Promise<string> {
    if (!location.startsWith('s3://')) return location;
    const { bucket, key } = parseS3Uri(location);
    const sha256 = /([0-9a-f]{64})\.dir\.json$/.exec(key)?.[1];
    if (!sha256) throw new Error(`${location} is not a stored directory (expected .../<sha256>.dir.json)`);
    const dest = path.join(this.cacheDir, 'dirs', sha256);
    if (existsSync(dest)) return dest;
    const objects = new S3Objects(bucket);
    const manifest = parseManifest((await objects.getVerified(key, sha256)).toString('utf8'), location);
    const root = key.slice(0, key.length - `sha256/${sha256.slice(0, 2)}/${sha256}.dir.json`.length);
    await downloadDirectory(objects, manifest, (_, sha) => `${root}sha256/${sha.slice(0, 2)}/${sha}.blob`, dest);
    return dest;
  }

  checkpointMirror(runId: string, keep: number): CheckpointMirror {
    return new S3CheckpointMirror(this.objects, `${this.prefix}runs/${runId}/checkpoints/`, keep);
  }
}

/** The trainer's checkpoint names: step-NNNNNNNNN, with -end when it closes an epoch. */
const CHECKPOINT = /^step-(\d{9})(-end)?$/;
const MANIFEST = '.manifest.json';

function order(name: string): number {
  const m = CHECKPOINT.exec(name)!;
  return Number(m[1]) * 2 + (m[2] ? 1 : 0);
}

function newest(names: string[]): string | undefined {
  return names.filter((n) => CHECKPOINT.test(n)).sort((a, b) => order(a) - order(b)).at(-1);
}

/** The newest complete local checkpoint (the trainer renames a finished one into place). */
function newestLocal(localDir: string): string | undefined {
  if (!existsSync(localDir)) return undefined;
  return newest(readdirSync(localDir).filter((n) => existsSync(path.join(localDir, n, 'state.json'))));
}

class S3CheckpointMirror implements CheckpointMirror {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly objects: S3Objects,
    private readonly prefix: string,
    private readonly keep: number,
  ) {}

  private async storedNames(): Promise<string[]> {
    const keys = await this.objects.list(this.prefix);
    return keys.filter((k) => k.endsWith(MANIFEST) && !k.slice(this.prefix.length).includes('/')).map((k) => k.slice(this.prefix.length, -MANIFEST.length));
  }

  async restore(localDir: string): Promise<string | undefined> {
    const remote = newest(await this.storedNames());
    const local = newestLocal(localDir);
    if (remote === undefined || (local !== undefined && order(local) >= order(remote))) return undefined;
    const text = await this.objects.getText(this.prefix + remote + MANIFEST);
    if (text === undefined) return undefined;
    const manifest = parseManifest(text, this.objects.uri(this.prefix + remote + MANIFEST));
    await downloadDirectory(this.objects, manifest, (file) => `${this.prefix}${remote}/${file}`, path.join(localDir, remote));
    return remote;
  }

  schedule(checkpointDir: string, done: (err?: Error) => void): void {
    // A failure is not fatal here (the trainer may have pruned it already); finish() makes sure
    // that the newest one is stored.
    this.queue = this.queue.then(() => this.upload(checkpointDir).then(() => done(), done));
  }

  async finish(localDir: string): Promise<void> {
    await this.queue;
    const local = newestLocal(localDir);
    if (local === undefined) return;
    await this.upload(path.join(localDir, local));
  }

  private async upload(checkpointDir: string): Promise<void> {
    const name = path.basename(checkpointDir);
    if (!CHECKPOINT.test(name)) throw new Error(`${checkpointDir} is not a checkpoint directory (step-NNNNNNNNN)`);
    if ((await this.objects.head(this.prefix + name + MANIFEST)) !== undefined) return; // stored already
    const manifest: DirectoryManifest = await uploadDirectoryFiles(this.objects, checkpointDir, (file) => `${this.prefix}${name}/${file}`, false);
    const text = jsonText(manifest);
    await this.objects.putBytes(this.prefix + name + MANIFEST, Buffer.from(text, 'utf8'), sha256Hex(text));
    await this.prune();
  }

  /** Keeps the newest `keep` stored checkpoints, like the trainer locally: manifest first, then files. */
  private async prune(): Promise<void> {
    const names = (await this.storedNames()).filter((n) => CHECKPOINT.test(n)).sort((a, b) => order(a) - order(b));
    for (const old of names.slice(0, Math.max(0, names.length - this.keep))) {
      await this.objects.delete(this.prefix + old + MANIFEST);
      for (const key of await this.objects.list(`${this.prefix}${old}/`)) await this.objects.delete(key);
    }
  }
}
