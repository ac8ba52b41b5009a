/**
 * Nothing half-written is visible in S3: a process SIGKILLed in the middle of a multipart upload
 * leaves no object under the artifact's key (neither HEAD nor a listing finds one, and a reader
 * gets an error, not a partial file); a retry stores the complete artifact.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readArtifact, sha256Hex, type ArtifactRef } from '../artifacts/store';
import { startTestS3, type TestS3 } from './helpers/seaweed';

const child = path.join(__dirname, 'helpers', 'uploadChild.js');

describe('S3 upload killed midway', () => {
  let s3: TestS3;
  const saved = { ...process.env };
  before(async () => {
    s3 = await startTestS3();
    Object.assign(process.env, s3.env);
  });
  after(async () => {
    process.env = saved;
    await s3?.stop();
  });

  test('SIGKILL after some parts: no visible object; a retry completes and reads back intact', async () => {
    // 60 MiB in 5 MiB parts: 12 parts, of which the kill lets at most a few finish.
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'fait-big-')), 'big.jsonl');
    const content = randomBytes(60 * 1024 * 1024);
    writeFileSync(file, content);
    const sha256 = sha256Hex(content);
    const key = `kill/sha256/${sha256.slice(0, 2)}/${sha256}.jsonl`;
    const location = `s3://${s3.bucket}/kill`;

    const first = spawn(process.execPath, [child, location, file], { env: { ...process.env, ...s3.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => first.once('exit', (_code, signal) => resolve(signal)));
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: first.stdout! }).on('line', (line) => {
        lines.push(line);
        if (/^part 2\//.test(line)) resolve();
      });
      first.once('exit', () => reject(new Error(`the upload ended before it was killed: ${lines.join(' | ')}`)));
    });
    first.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.ok(!lines.some((l) => l.startsWith('stored')), 'killed before it completed');

    // The upload was under way (parts exist in an incomplete multipart upload) ...
    const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: 'kill/' }));
    assert.ok((uploads.Uploads ?? []).some((u) => u.Key === key), 'an incomplete multipart upload is pending');
    // ... but nothing is visible under the key.
    await assert.rejects(s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key })), (err: { name?: string }) => err.name === 'NotFound');
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'kill/' }));
    assert.deepEqual((listed.Contents ?? []).map((o) => o.Key), []);
    const ref: ArtifactRef = { uri: `s3://${s3.bucket}/${key}`, sha256, count: 1, bytes: content.length };
    await assert.rejects(readArtifact(ref));

    // A retry (a new attempt of the activity) stores it completely.
    const second = spawn(process.execPath, [child, location, file], { env: { ...process.env, ...s3.env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    second.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    assert.equal(code, 0, out);
    const stored = JSON.parse(/^stored (.*)$/m.exec(out)![1]) as ArtifactRef;
    assert.deepEqual(stored, ref);
    assert.ok((await readArtifact(stored)).equals(content));
    rmSync(path.dirname(file), { recursive: true, force: true });
  });
});
