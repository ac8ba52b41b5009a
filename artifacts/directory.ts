/**
 * Directories (a trained model, a checkpoint) in S3: every file is uploaded first, then one
 * manifest object that lists each file's path, size and sha256. The manifest is what readers look
 * for, so a directory is visible only once all its files are; a download checks every file against
 * the manifest and renames the finished folder into place, so a local copy is complete or absent.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { sha256File, type S3Objects } from './s3';

export interface DirectoryManifest {
  kind: 'fait-directory';
  files: { path: string; sha256: string; bytes: number }[];
}

/** Where a file of the directory lives: by content (a model) or by name (a checkpoint). */
export type FileKey = (relativePath: string, sha256: string) => string;

/**
 * Uploads the files of `dir` (not the manifest: the caller writes it last, under its own key).
 * With `skipExisting`, a file whose key already holds an object of the same size is not uploaded
 * again; use it only for content-addressed keys, where the key fixes the content.
 */
export async function uploadDirectoryFiles(objects: S3Objects, dir: string, keyFor: FileKey, skipExisting: boolean): Promise<DirectoryManifest> {
  const files: DirectoryManifest['files'] = [];
  for (const relative of await filesUnder(dir)) {
    const file = path.join(dir, relative);
    const [sha256, { size }] = await Promise.all([sha256File(file), stat(file)]);
    const key = keyFor(relative, sha256);
    const existing = skipExisting ? await objects.head(key) : undefined;
    if (existing?.bytes !== size) await objects.putFile(key, file, sha256);
    files.push({ path: relative, sha256, bytes: size });
  }
  if (files.length === 0) throw new Error(`${dir} holds no files to upload`);
  return { kind: 'fait-directory', files };
}

/** Downloads a directory into `dest`, which appears (by rename) only when every file checked out. */
export async function downloadDirectory(objects: S3Objects, manifest: DirectoryManifest, keyFor: FileKey, dest: string): Promise<void> {
  const temp = path.join(path.dirname(dest), `.tmp-${path.basename(dest)}-${randomBytes(4).toString('hex')}`);
  await mkdir(temp, { recursive: true });
  try {
    for (const file of manifest.files) {
      const target = path.join(temp, file.path);
      if (!target.startsWith(temp + path.sep)) throw new Error(`manifest names a file outside its directory: ${file.path}`);
      await objects.downloadVerified(keyFor(file.path, file.sha256), file.sha256, target);
    }
    if (existsSync(dest)) await rm(dest, { recursive: true, force: true });
    await rename(temp, dest);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}

export function parseManifest(text: string, where: string): DirectoryManifest {
  const value = JSON.parse(text) as DirectoryManifest;
  if (value?.kind !== 'fait-directory' || !Array.isArray(value.files)) throw new Error(`${where} is not a fait directory manifest`);
  return value;
}

/** Relative paths of the regular files under `dir`, sorted (POSIX separators). */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(dir, relative)));
    else if (entry.isFile()) out.push(relative);
  }
  return out.sort();
}
