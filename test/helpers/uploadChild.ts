/**
 * A process that stores one file as an artifact in S3 and reports each uploaded part, so that a
 * test can SIGKILL it mid multipart upload. Usage: node uploadChild.js s3://bucket/prefix FILE
 * (credentials and endpoint from the AWS_* environment, as a worker has them).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { S3ArtifactStore } from '../../artifacts/s3Store';

async function main(): Promise<void> {
  const [location, file] = process.argv.slice(2);
  const store = new S3ArtifactStore(location, tmpdir(), {
    partSize: 5 * 1024 * 1024,
    onPart: (part, parts) => process.stdout.write(`part ${part}/${parts}\n`),
  });
  const ref = await store.put(readFileSync(file), 1, 'jsonl');
  process.stdout.write(`stored ${JSON.stringify(ref)}\n`);
}

// `node --test dist/test/` also loads every file under test/ without arguments: then do nothing.
if (process.argv.length >= 4) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
