/**
 * The artifact store a worker uses: FAIT_ARTIFACTS=s3://bucket/prefix selects the S3 backend
 * (shared by workers on any machine); unset, the local folder <state dir>/artifacts.
 */
import path from 'node:path';
import type { Settings } from '../config/settings';
import { S3ArtifactStore } from './s3Store';
import { LocalArtifactStore, type ArtifactStore } from './store';

export function openArtifactStore(settings: Pick<Settings, 'stateDir' | 'artifacts'>): ArtifactStore {
  if (settings.artifacts) return new S3ArtifactStore(settings.artifacts, path.join(settings.stateDir, 's3-cache'));
  return new LocalArtifactStore(path.join(settings.stateDir, 'artifacts'));
}
