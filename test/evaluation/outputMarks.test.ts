/**
 * The split of a lane's stderr into samples must not depend on how the OS cuts the pipe into
 * chunks: every way of cutting the same bytes gives the same per-sample counts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutputMarks } from '../../evaluation/outputMarks';

const nonce = (c: string) => c.repeat(32);
const mark = (n: string) => `\0FAIT-END ${n}\0`;

function feed(stream: string, cuts: number[]): OutputMarks {
  const m = new OutputMarks();
  let at = 0;
  for (const c of [...cuts, stream.length]) {
    m.add(Buffer.from(stream.slice(at, c), 'latin1'));
    at = c;
  }
  return m;
}

describe('output marks', () => {
  // Sample 1 prints 5 bytes and forges a mark; sample 2 prints 3 bytes; sample 3 prints nothing.
  const forged = mark(nonce('f'));
  const stream = 'hello' + forged + mark(nonce('a')) + 'abc' + mark(nonce('b')) + mark(nonce('c')) + 'zz';

  it('gives each sample the bytes before its own mark, however the chunks fall', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      for (const second of [cut, Math.min(stream.length, cut + 7), Math.min(stream.length, cut + 43)]) {
        const m = feed(stream, [cut, second]);
        assert.ok(m.has(nonce('a')) && m.has(nonce('b')) && m.has(nonce('c')), `cut at ${cut}/${second}`);
        // A forged mark is output like any other.
        assert.equal(m.take(nonce('a')), 5 + forged.length);
        assert.equal(m.take(nonce('b')), 3);
        assert.equal(m.take(nonce('c')), 0);
        assert.equal(m.pending(), 2);
      }
    }
  });

  it('a mark not yet read is not there, and the running sample is counted meanwhile', () => {
    const m = feed('x'.repeat(10) + mark(nonce('a')).slice(0, 20), []);
    assert.equal(m.has(nonce('a')), false);
    assert.ok(m.pending() >= 10);
    m.add(Buffer.from(mark(nonce('a')).slice(20), 'latin1'));
    assert.equal(m.take(nonce('a')), 10);
  });

  it('a mark once claimed, or one before it, cannot be claimed again', () => {
    const m = feed(mark(nonce('f')) + 'x' + mark(nonce('a')), []);
    m.take(nonce('a'));
    assert.equal(m.has(nonce('f')), false);
    assert.throws(() => m.take(nonce('a')), /no output mark/);
  });
});
