/** BigCodeBench generates with its own default length (1,280 new tokens, as BigCodeBench does). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluationSchema } from '../../config/schema';
import { maxNewTokensFor } from '../../workflows/evaluation';

describe('generation length per benchmark', () => {
  it('defaults to 768 new tokens, and 1,280 on BigCodeBench(-Hard)', () => {
    const e = evaluationSchema.parse({});
    assert.equal(e.maxNewTokens, 768);
    assert.equal(e.bigcodebenchMaxNewTokens, 1280);
    assert.equal(e.excludeMissingLibraries, false);
    const generation = { batchSize: 8, maxNewTokens: e.maxNewTokens, bigcodebenchMaxNewTokens: e.bigcodebenchMaxNewTokens, promptFormat: null };
    assert.deepEqual(
      ['humaneval', 'humaneval+', 'mbpp', 'mbpp+', 'bigcodebench', 'bigcodebench-hard'].map((b) => maxNewTokensFor(b, generation)),
      [768, 768, 768, 768, 1280, 1280],
    );
    // A generation without its own BigCodeBench length (an older workflow input) keeps one length.
    assert.equal(maxNewTokensFor('bigcodebench', { ...generation, bigcodebenchMaxNewTokens: undefined }), 768);
  });
});
