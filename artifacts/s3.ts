/**
 * Objects in an S3-compatible bucket (AWS S3, SeaweedFS, MinIO) through @aws-sdk/client-s3.
 *
 * An object is visible under its key only once it is complete: a small one is one PutObject
 * (atomic in S3), a large one a multipart upload, which S3 shows under its key only after
 * CompleteMultipartUpload. A process killed mid-upload therefore leaves nothing under the final
 * key, only unlisted parts (removed by AbortMultipartUpload on an error here, or by the bucket's
 * AbortIncompleteMultipartUpload lifecycle rule after a kill). Every download is checked against
 * the sha256 the caller expects before the bytes are used or a file appears under its final name.
 *
 * Credentials and the endpoint come only from the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL), read by the SDK itself; nothing here logs,
 * returns or stores them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { s3LocationPattern } from '../config/settings';

/** S3 requires parts of at least 5 MiB (all but the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
const PARALLEL_PARTS = 4;

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket's root. */
  prefix: string;
}

/** Parses `s3://bucket[/prefix]`; throws naming the expected form. */
export function parseS3Location(uri: string, what = 'FAIT_ARTIFACTS'): S3Location {
  const match = s3LocationPattern.exec(uri);
  if (!match) throw new Error(`${what}: expected s3://bucket[/prefix] with a valid bucket name, got ${JSON.stringify(uri)}`);
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/** The bucket and key of an `s3://bucket/key` URI. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const { bucket, prefix } = parseS3Location(uri, 'artifact URI');
  if (!prefix) throw new Error(`artifact URI ${uri} names no object key`);
  return { bucket, key: prefix };
}

let shared: S3Client | undefined;

/**
 * One client per process, configured by the SDK from the environment. Path-style addressing
 * (http://host/bucket/key) when a custom endpoint is set: SeaweedFS and MinIO serve buckets that
 * way, and AWS itself accepts it.
 */
export function s3Client(): S3Client {
  shared ??= new S3Client({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3),
    maxAttempts: 5,
  });
  return shared;
}

export interface UploadOptions {
  /** Bytes per multipart part; files larger than one part are uploaded in parts. */
  partSize?: number;
  /** Called after each uploaded part (tests use it to kill an upload midway). */
  onPart?: (partNumber: number, parts: number) => void;
}

export class S3Objects {
  readonly partSize: number;

  constructor(
    readonly bucket: string,
    readonly client: S3Client = s3Client(),
    private readonly options: UploadOptions = {},
  ) {
    this.partSize = Math.max(MIN_PART_SIZE, options.partSize ?? DEFAULT_PART_SIZE);
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /** Size and recorded sha256 of an object, or undefined when there is none under `key`. */
  async head(key: string): Promise<{ bytes: number; sha256?: string } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { bytes: out.ContentLength ?? 0, sha256: out.Metadata?.sha256 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async putBytes(key: string, bytes: Buffer, sha256: string): Promise<void> {
    if (bytes.length <= this.partSize) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.length, Metadata: { sha256 } }));
      return;
    }
    await this.multipart(key, sha256, bytes.length, async (offset, length) => bytes.subarray(offset, offset + length));
  }

  async putFile(key: string, file: string, sha256: string): Promise<void> {
    const { size } = await stat(file);
    const handle = await open(file, 'r');
    try {
      const read = async (offset: number, length: number) => {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        if (bytesRead !== length) throw new Error(`${file} changed while it was uploaded (short read at ${offset})`);
        return buffer;
      };
      if (size <= this.partSize) {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: await read(0, size), ContentLength: size, Metadata: { sha256 } }));
      } else {
        await this.multipart(key, sha256, size, read);
      }
    } finally {
      await handle.close();
    }
  }

  /** A multipart upload: nothing appears under `key` until CompleteMultipartUpload. */
  private async multipart(key: string, sha256: string, size: number, read: (offset: number, length: number) => Promise<Buffer>): Promise<void> {
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, Metadata: { sha256 } }));
    const count = Math.ceil(size / this.partSize);
    const etags: string[] = new Array(count);
    try {
      let next = 0;
      let uploaded = 0;
      const lane = async () => {
        while (next < count) {
          const index = next++;
          const offset = index * this.partSize;
          const body = await read(offset, Math.min(this.partSize, size - offset));
          const out = await this.client.send(
            new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId, PartNumber: index + 1, Body: body, ContentLength: body.length }),
          );
          etags[index] = out.ETag!;
          this.options.onPart?.(++uploaded, count);
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, count) }, lane));
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      );
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  /** The object's bytes, checked against `sha256`. */
  async getVerified(key: string, sha256: string): Promise<Buffer> {
    const body = await this.body(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw new Error(`artifact ${this.uri(key)} is corrupt: sha256 ${actual}, expected ${sha256}`);
    return bytes;
  }

  /** Downloads into a temporary file beside `dest`, checks the sha256, then renames it into place. */
  async downloadVerified(key: string, sha256: string, dest: string): Promise<void> {
    await mkdir(path.dirname(dest), { recursive: true });
    const temp = path.join(path.dirname(dest), `.${path.basename(dest)}.${randomBytes(6).toString('hex')}.tmp`);
    const hash = createHash('sha256');
    try {
      const body = await this.body(key);
      const hashing = async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          yield chunk;
        }
      };
      await pipeline(body, hashing, createWriteStream(temp));
      const actual = hash.digest('hex');
      if (actual !== sha256) throw new Error(`artifact ${this.uri(key)} is corrupt: sha256 ${actual}, expected ${sha256}`);
      await rename(temp, dest);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const body = await this.body(key);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Keys under `prefix`, all pages. */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  private async body(key: string): Promise<Readable> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return out.Body as Readable;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** sha256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
