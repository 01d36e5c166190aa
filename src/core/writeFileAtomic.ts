import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Per-process counter: with the pid it makes every temp name unique, even for concurrent writes of one file. */
let counter = 0;

/** The temp file a writer in process `pid` uses for its `n`-th write: `<file>.<pid>.<n>.tmp`, next to `path`. */
export function tempPathFor(path: string, pid: number, n: number): string {
  return `${path}.${pid}.${n}.tmp`;
}

/**
 * Writes `data` to `path` so that readers see either the old file or the complete new one, also
 * after a crash or power cut: write a temp file in the same folder, fsync it, rename it over
 * `path`, fsync the folder (so the new name itself is durable). A failed write removes its temp
 * file. A writer killed mid-write leaves `<file>.<pid>.<n>.tmp`; the next write of the same file
 * removes such temps of processes that no longer exist (`cleanStaleTemps`).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await cleanStaleTemps(path);
  const tmp = tempPathFor(path, process.pid, counter++);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDirectory(dirname(path));
}

/** `writeFileAtomic` for synchronous callers (checkpoints written between training iterations): same temps, same guarantees. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  for (const stale of staleTemps(path, folderNamesSync(path))) rmSync(stale, { force: true });
  const tmp = tempPathFor(path, process.pid, counter++);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDirectorySync(dirname(path));
}

/**
 * Removes the temp files `<file>.<pid>.<n>.tmp` that writers of `path` left when they were killed:
 * those whose pid is not a running process. Temps of live processes (a write in progress, this
 * process included) are kept; a recycled pid only keeps a stale temp longer. Returns the removed paths.
 */
export async function cleanStaleTemps(path: string): Promise<string[]> {
  const stale = staleTemps(path, await folderNames(path));
  for (const p of stale) await rm(p, { force: true });
  return stale;
}

/** The names in `path`'s folder. */
async function folderNames(path: string): Promise<string[]> {
  try {
    return await readdir(dirname(path));
  } catch (e) {
    return noFolder(e);
  }
}

/** `folderNames` for synchronous writers. */
function folderNamesSync(path: string): string[] {
  try {
    return readdirSync(dirname(path));
  } catch (e) {
    return noFolder(e);
  }
}

/** No folder yet: nothing to clean, and the write itself will report the missing folder. Other errors are rethrown. */
function noFolder(e: unknown): string[] {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
  throw e;
}

/** Paths among `names` (of `path`'s folder) that are temps of `path` left by processes that no longer run. */
function staleTemps(path: string, names: readonly string[]): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  const stale: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.(\d+)\.tmp$/.exec(name.slice(prefix.length));
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isRunning(pid)) continue;
    stale.push(join(dir, name));
  }
  return stale;
}

/** Whether a process with this pid exists (signal 0 checks without sending anything; EPERM means it exists but is not ours). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Codes of platforms (Windows) that cannot open or fsync a folder; there the rename is as durable as it gets. */
const NO_FOLDER_SYNC = new Set(['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EACCES']);

/** fsyncs a folder so a rename inside it survives a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    if (!NO_FOLDER_SYNC.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await fh?.close();
  }
}

/** `syncDirectory` for synchronous writers. */
function syncDirectorySync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    if (!NO_FOLDER_SYNC.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
