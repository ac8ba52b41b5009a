/** The artifact store: content addressing, atomic writes, and detection of altered files. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ArtifactStore, artifactIsIntact, artifactPath, readJsonlArtifact, sha256Hex } from '../artifacts/store';

describe('artifact store', () => {
  const store = new ArtifactStore(mkdtempSync(path.join(tmpdir(), 'fait-store-')));

  test('a JSONL artifact round-trips and its reference records hash, count and size', () => {
    const records = [{ id: 'a', text: 'é🙂' }, { id: 'b' }];
    const ref = store.putJsonl(records);
    const expected = records.map((r) => JSON.stringify(r) + '\n').join('');
    assert.equal(ref.sha256, sha256Hex(expected));
    assert.equal(ref.count, 2);
    assert.equal(ref.bytes, Buffer.byteLength(expected));
    assert.deepEqual(readJsonlArtifact(ref), records);
    assert.deepEqual(readJsonlArtifact(store.putJsonl([])), []);
  });

  test('the same content gives the same reference and leaves no temporary files', () => {
    const a = store.putJson({ x: 1 });
    const b = store.putJson({ x: 1 });
    assert.deepEqual(a, b);
    const dir = path.dirname(artifactPath(a));
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  test('an altered artifact is detected', () => {
    const ref = store.putJsonl([{ id: 'z' }]);
    writeFileSync(artifactPath(ref), '{"id":"tampered"}\n');
    assert.equal(artifactIsIntact(ref), false);
    assert.throws(() => readJsonlArtifact(ref), /is corrupt: sha256/);
  });
});
