/**
 * The huggingface_hub cache layout, shared with Python so both use one copy of each file:
 *   <cacheDir>/models--org--name/blobs/<etag>                 file contents, named by ETag
 *   <cacheDir>/models--org--name/snapshots/<commit>/<path>    relative symlink to ../../blobs/<etag>
 *   <cacheDir>/models--org--name/refs/<revision>              the commit a branch/tag pointed at
 * Everything here is synchronous and offline: the editor's hovers and lint call it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../run/atomic';
import { isCommit, repoFolderName, type RepoRef } from './repo';

export interface CachedSnapshot { dir: string; commit: string; files: string[] /* relative, '/'-separated, sorted */; bytes: number }

export function repoCacheDir(ref: RepoRef, cacheDir: string): string {
  return path.join(cacheDir, repoFolderName(ref));
}

export function blobPath(ref: RepoRef, cacheDir: string, etag: string): string {
  return path.join(repoCacheDir(ref, cacheDir), 'blobs', etag);
}

export function snapshotDir(ref: RepoRef, cacheDir: string, commit: string): string {
  return path.join(repoCacheDir(ref, cacheDir), 'snapshots', commit);
}

/** The commit refs/<revision> records, or the revision itself when it is a commit. */
export function cachedCommit(ref: RepoRef, cacheDir: string): string | undefined {
  if (isCommit(ref.revision)) return ref.revision;
  try {
    const sha = fs.readFileSync(path.join(repoCacheDir(ref, cacheDir), 'refs', ...ref.revision.split('/')), 'utf8').trim();
    return isCommit(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

/** Files under a snapshot whose content is there (a dangling link means the blob was deleted). */
function listFiles(root: string): { files: string[]; bytes: number } {
  const files: string[] = [];
  let bytes = 0;
  const walk = (dir: string, rel: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      let st: fs.Stats;
      try {
        st = fs.statSync(full); // follows the link to the blob
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(full, relPath);
      else if (st.isFile() && !entry.name.endsWith('.incomplete')) {
        files.push(relPath);
        bytes += st.size;
      }
    }
  };
  walk(root, '');
  files.sort();
  return { files, bytes };
}

/** refs/<revision> -> commit (or revision is itself a 40-hex commit), snapshots/<commit>/ exists. undefined when not cached. */
export function findCachedSnapshot(ref: RepoRef, cacheDir: string): CachedSnapshot | undefined {
  const commit = cachedCommit(ref, cacheDir);
  if (!commit) return undefined;
  const dir = snapshotDir(ref, cacheDir, commit);
  try {
    if (!fs.statSync(dir).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  return { dir, commit, ...listFiles(dir) };
}

/** True when the snapshot has this file and its content (the link resolves). */
export function snapshotHasFile(dir: string, file: string): boolean {
  try {
    return fs.statSync(path.join(dir, ...file.split('/'))).isFile();
  } catch {
    return false;
  }
}

/** Records which commit a branch/tag resolved to, so offline runs find the snapshot. */
export function writeRef(ref: RepoRef, cacheDir: string, commit: string): void {
  if (isCommit(ref.revision)) return;
  const file = path.join(repoCacheDir(ref, cacheDir), 'refs', ...ref.revision.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, commit);
}

/**
 * Points snapshots/<commit>/<file> at the blob with a relative symlink (the cache folder can
 * move); where symlinks are not allowed (Windows without developer mode) it copies the blob,
 * as huggingface_hub does. A temp name + rename replaces any stale entry atomically.
 */
export function linkSnapshotFile(blob: string, target: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.symlinkSync(path.relative(path.dirname(target), blob), tmp);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    fs.copyFileSync(blob, tmp);
  }
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
