/**
 * docker-compose.yml cannot be run here (no Docker engine), so its structure is checked instead:
 * the services a cluster needs, what they depend on, and that the worker commands are ones the
 * CLI accepts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { projectRoot } from '../config/settings';
import { taskQueues } from '../temporal/queues';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  depends_on?: Record<string, unknown> | string[];
  environment?: Record<string, string>;
  volumes?: string[];
  deploy?: { resources?: { reservations?: { devices?: { driver: string; capabilities: string[] }[] } } };
}

const compose = parse(readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8'), { uniqueKeys: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const { services } = compose;
const dependsOn = (s: Service) => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));

describe('docker-compose.yml', () => {
  test('has PostgreSQL, a Temporal server on it, the Web UI, an S3 store and one worker per task queue', () => {
    assert.deepEqual(Object.keys(services).sort(), ['postgresql', 's3', 'temporal', 'temporal-ui', 'worker-cpu', 'worker-gpu']);
    assert.equal(services.temporal.environment?.DB, 'postgres12');
    assert.equal(services.temporal.environment?.POSTGRES_SEEDS, 'postgresql');
    assert.ok(dependsOn(services.temporal).includes('postgresql'));
    assert.equal(services['temporal-ui'].environment?.TEMPORAL_ADDRESS, 'temporal:7233');
  });

  test('images are pinned to versions', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image) assert.match(service.image, /:(\$\{[A-Z_]+:-)?\d+\.\d+/, `${name} pins its image`);
      else assert.equal(service.build, '.', `${name} builds this project`);
    }
  });

  test('workers poll the two queues through `fait worker`, share the state volume and reach the server', () => {
    const queues = { 'worker-cpu': 'cpu', 'worker-gpu': 'gpu' } as const;
    for (const [name, queue] of Object.entries(queues)) {
      const worker = services[name];
      assert.deepEqual(worker.command, ['node', 'bin/fait', 'worker', '--queue', queue]);
      assert.ok(queue in taskQueues);
      assert.equal(worker.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.equal(worker.environment?.FAIT_STATE_DIR, '/state');
      assert.ok(worker.volumes?.includes('fait-state:/state'));
    }
    assert.ok('fait-state' in compose.volumes);
  });

  test('workers keep their artifacts in the S3 service, with credentials from the environment only', () => {
    const s3 = services.s3;
    assert.ok(s3.command?.includes('-s3') && s3.command.includes('-s3.port=8333'), 'SeaweedFS serves S3 on 8333');
    assert.ok(s3.volumes?.some((v) => v.startsWith('s3-data:')) && 's3-data' in compose.volumes);
    for (const name of ['worker-cpu', 'worker-gpu']) {
      const env = services[name].environment ?? {};
      assert.match(env.FAIT_ARTIFACTS ?? '', /^s3:\/\/[a-z0-9.-]+\//);
      assert.equal(env.AWS_ENDPOINT_URL, 'http://s3:8333');
      assert.ok(dependsOn(services[name]).includes('s3'));
      // The key pair is the server's, interpolated from the host environment, never a literal secret.
      assert.equal(env.AWS_SECRET_ACCESS_KEY, s3.environment?.AWS_SECRET_ACCESS_KEY);
      assert.match(env.AWS_SECRET_ACCESS_KEY ?? '', /^\$\{FAIT_S3_SECRET_KEY:\?/);
      assert.equal(env.AWS_ACCESS_KEY_ID, s3.environment?.AWS_ACCESS_KEY_ID);
    }
  });

  test('the GPU worker reserves NVIDIA GPUs and the CPU worker does not', () => {
    const devices = services['worker-gpu'].deploy?.resources?.reservations?.devices ?? [];
    assert.deepEqual(devices.map((d) => [d.driver, d.capabilities]), [['nvidia', ['gpu']]]);
    assert.equal(services['worker-cpu'].deploy, undefined);
  });
});
