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

/**
 * Removes the temp files `<file>.<pid>.<n>.tmp` that writers of `path` left when they were killed:
 * those whose pid is not a running process. Temps of live processes (a write in progress, this
 * process included) are kept; a recycled pid only keeps a stale temp longer. Returns the removed paths.
 */
export async function cleanStaleTemps(path: string): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    // No folder yet: nothing to clean, and the write itself will report the missing folder.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.(\d+)\.tmp$/.exec(name.slice(prefix.length));
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isRunning(pid)) continue;
    const stale = join(dir, name);
    await rm(stale, { force: true });
    removed.push(stale);
  }
  return removed;
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

/** fsyncs a folder so a rename inside it survives a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    // Some platforms (Windows) cannot open or fsync a folder; there the rename is as durable as it gets.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EACCES') throw e;
  } finally {
    await fh?.close();
  }
}
