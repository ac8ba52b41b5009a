/**
 * The artifact store, both backends: the local folder, and S3 on a real SeaweedFS server.
 * Content addressing, atomic writes, detection of altered content, directories and checkpoints.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { openArtifactStore } from '../artifacts/open';
import { readSettings } from '../config/settings';
import { parseS3Uri } from '../artifacts/s3';
import { S3ArtifactStore } from '../artifacts/s3Store';
import { LocalArtifactStore, artifactIsIntact, artifactPath, readJsonlArtifact, sha256Hex, type ArtifactRef, type ArtifactStore } from '../artifacts/store';
import { startTestS3, type TestS3 } from './helpers/seaweed';

describe('local artifact store', () => {
  const store = new LocalArtifactStore(mkdtempSync(path.join(tmpdir(), 'fait-store-')));
  commonBehaviour(() => store);

  test('the same content leaves no temporary files', async () => {
    const a = await store.putJson({ x: 1 });
    assert.deepEqual(readdirSync(path.dirname(artifactPath(a))).filter((f) => f.endsWith('.tmp')), []);
  });

  test('an altered artifact is detected', async () => {
    const ref = await store.putJsonl([{ id: 'z' }]);
    writeFileSync(artifactPath(ref), '{"id":"tampered"}\n');
    assert.equal(await artifactIsIntact(ref), false);
    await assert.rejects(readJsonlArtifact(ref), /is corrupt: sha256/);
  });

  test('FAIT_ARTIFACTS unset: the local folder under the state dir; directories stay where they are', async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'fait-state-'));
    const local = openArtifactStore({ stateDir });
    assert.equal(local.location, path.join(stateDir, 'artifacts'));
    assert.equal(await local.shareDirectory('/some/model'), '/some/model');
    assert.equal(local.checkpointMirror('run', 3), undefined);
  });
});

describe('FAIT_ARTIFACTS', () => {
  test('s3://bucket/prefix selects the S3 store; anything else is an error naming the variable', () => {
    const settings = readSettings({ FAIT_STATE_DIR: '/tmp/x', FAIT_ARTIFACTS: 's3://my-bucket/team/fait' });
    assert.equal(settings.artifacts, 's3://my-bucket/team/fait');
    assert.ok(openArtifactStore(settings) instanceof S3ArtifactStore);
    assert.equal(openArtifactStore(settings).location, 's3://my-bucket/team/fait');
    for (const bad of ['/mnt/shared', 's3://', 's3://Bad_Bucket/x', 'gs://bucket']) {
      assert.throws(() => readSettings({ FAIT_ARTIFACTS: bad }), /environment variable FAIT_ARTIFACTS: expected s3:\/\/bucket\[\/prefix\]/, bad);
    }
  });
});

describe('S3 artifact store (SeaweedFS)', () => {
  let s3: TestS3;
  let store: S3ArtifactStore;
  let cacheDir: string;
  const saved = { ...process.env };

  before(async () => {
    s3 = await startTestS3();
    Object.assign(process.env, s3.env);
    cacheDir = mkdtempSync(path.join(tmpdir(), 'fait-s3cache-'));
    // 5 MiB parts (the S3 minimum), so a 12 MiB file takes the multipart path.
    store = new S3ArtifactStore(`s3://${s3.bucket}/exp/one`, cacheDir, { partSize: 5 * 1024 * 1024 });
  });
  after(async () => {
    process.env = saved;
    await s3?.stop();
  });

  commonBehaviour(() => store);

  test('keys are content addresses under the prefix, as in the local folder', async () => {
    const ref = await store.putJson({ where: 's3' });
    assert.equal(ref.uri, `s3://${s3.bucket}/exp/one/sha256/${ref.sha256.slice(0, 2)}/${ref.sha256}.json`);
  });

  test('an altered object is detected on download (the hash is checked, not trusted)', async () => {
    const ref = await store.putJsonl([{ id: 'z' }]);
    const { key } = parseS3Uri(ref.uri);
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: '{"id":"tamper"}\n' }));
    await assert.rejects(readJsonlArtifact(ref), /is corrupt: sha256/);
    await assert.rejects(store.localPath(ref), /is corrupt: sha256/);
    assert.equal(existsSync(path.join(cacheDir, 'sha256', ref.sha256.slice(0, 2), `${ref.sha256}.jsonl`)), false, 'no corrupt copy is cached');
  });

  test('a large artifact goes up in parts and comes back intact; localPath gives a verified local copy', async () => {
    const big = Buffer.alloc(12 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) % 251;
    const ref = await store.put(big, 1, 'jsonl');
    const file = await store.localPath(ref);
    assert.equal(sha256Hex(readFileSync(file)), ref.sha256);
    assert.ok(file.startsWith(cacheDir));
  });

  test('a directory is shared by content (manifest last) and opened elsewhere as a verified copy', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fait-model-'));
    writeFileSync(path.join(dir, 'config.json'), '{"a":1}');
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'weights.bin'), Buffer.alloc(6 * 1024 * 1024, 3));
    const uri = await store.shareDirectory(dir);
    assert.match(uri, /^s3:\/\/fait-test\/exp\/one\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}\.dir\.json$/);
    assert.equal(await store.shareDirectory(dir), uri, 'the same content gives the same URI');
    const other = new S3ArtifactStore(`s3://${s3.bucket}/exp/one`, mkdtempSync(path.join(tmpdir(), 'fait-s3cache-')));
    const opened = await other.openDirectory(uri);
    assert.equal(readFileSync(path.join(opened, 'config.json'), 'utf8'), '{"a":1}');
    assert.deepEqual(readFileSync(path.join(opened, 'sub', 'weights.bin')), Buffer.alloc(6 * 1024 * 1024, 3));
  });

  test('checkpoints: each is stored with a manifest, old ones pruned, and the newest restored on another machine', async () => {
    const local = mkdtempSync(path.join(tmpdir(), 'fait-ckpt-'));
    const write = (name: string) => {
      mkdirSync(path.join(local, name));
      for (const f of ['model.safetensors', 'optimizer.pt', 'state.json']) writeFileSync(path.join(local, name, f), `${name}/${f}`);
      return path.join(local, name);
    };
    const mirror = store.checkpointMirror('run-1', 2);
    const errors: Error[] = [];
    for (const name of ['step-000000002', 'step-000000004', 'step-000000004-end']) mirror.schedule(write(name), (err) => err && errors.push(err));
    mirror.schedule(path.join(local, 'step-000000001'), (err) => err && errors.push(err)); // pruned locally already
    await mirror.finish(local);
    assert.equal(errors.length, 1, 'only the missing checkpoint failed');
    const keys = (await store.objects.list('exp/one/runs/run-1/checkpoints/')).map((k) => k.slice('exp/one/runs/run-1/checkpoints/'.length)).sort();
    assert.deepEqual(keys.filter((k) => k.endsWith('.manifest.json')), ['step-000000004-end.manifest.json', 'step-000000004.manifest.json']);
    assert.ok(!keys.some((k) => k.startsWith('step-000000002')), 'the pruned checkpoint has no objects left');

    const elsewhere = mkdtempSync(path.join(tmpdir(), 'fait-ckpt-'));
    assert.equal(await store.checkpointMirror('run-1', 2).restore(elsewhere), 'step-000000004-end');
    assert.equal(readFileSync(path.join(elsewhere, 'step-000000004-end', 'state.json'), 'utf8'), 'step-000000004-end/state.json');
    assert.equal(await store.checkpointMirror('run-1', 2).restore(elsewhere), undefined, 'nothing to fetch when the local one is as new');
    assert.deepEqual(readdirSync(elsewhere), ['step-000000004-end'], 'no temporary folders left');
  });
});

/** What both backends must do alike. */
function commonBehaviour(store: () => ArtifactStore) {
  test('a JSONL artifact round-trips and its reference records hash, count and size', async () => {
    const records = [{ id: 'a', text: 'é🙂' }, { id: 'b' }];
    const ref = await store().putJsonl(records);
    const expected = records.map((r) => JSON.stringify(r) + '\n').join('');
    assert.equal(ref.sha256, sha256Hex(expected));
    assert.equal(ref.count, 2);
    assert.equal(ref.bytes, Buffer.byteLength(expected));
    assert.deepEqual(await readJsonlArtifact(ref), records);
    assert.deepEqual(await readJsonlArtifact(await store().putJsonl([])), []);
    assert.equal(await artifactIsIntact(ref), true);
  });

  test('the same content gives the same reference', async () => {
    const a: ArtifactRef = await store().putJson({ x: 1 });
    assert.deepEqual(await store().putJson({ x: 1 }), a);
    assert.equal(sha256Hex(readFileSync(await store().localPath(a))), a.sha256);
  });

  test('a reference to nothing is not intact', async () => {
    const ref = await store().putJson({ gone: true });
    const missing = { ...ref, uri: ref.uri.replace(ref.sha256, '0'.repeat(64)), sha256: '0'.repeat(64) };
    assert.equal(await artifactIsIntact(missing), false);
  });
}
