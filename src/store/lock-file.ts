import { linkSync, mkdirSync, readFileSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/ports/runtime.js';
import { errorCodeOf, KeycardError } from '../core/result.js';

const LOCK_NAME = 'keycard.lock';

// Lock files this process holds, so a second open from the same process is refused too:
// its own pid is alive, but so is the pid of a container restarted with the same pid (1).
const heldByThisProcess = new Set<string>();

/**
 * Makes a PGlite data folder single-process: PGlite itself takes no lock, and two processes on one
 * folder silently diverge and corrupt it. Returns the function that releases the lock.
 */
export function acquireDataDirLock(dataDir: string, log: Logger): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(realpathSync(dataDir), LOCK_NAME);
  if (heldByThisProcess.has(lockPath)) throw busy(process.pid, dataDir);

  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (tryCreate(lockPath)) {
      heldByThisProcess.add(lockPath);
      return () => release(lockPath);
    }
    const contents = readLock(lockPath);
    if (contents === undefined) continue; // released between our create and read: try again
    const pid = Number.parseInt(contents, 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw busy(pid, dataDir);
    // Dead pid, garbage, or our own pid left by an earlier run (pid reuse in containers): stale.
    // Re-read right before removing, so we never delete a lock another process just took over.
    if (readLock(lockPath) !== contents) continue;
    log.warn({ dataDir, stalePid: contents.trim() }, 'taking over a stale data folder lock');
    removeQuietly(lockPath);
  }
  throw new KeycardError('data_dir_locked', `could not take the lock ${lockPath}; another process keeps changing it`);
}

function busy(pid: number, dataDir: string): KeycardError {
  return new KeycardError('data_dir_locked', `another Keycard process (pid ${pid}) is using ${dataDir}; stop it or set KEYCARD_DATA_DIR`);
}

/** Creates the lock with its content in one atomic step (link fails if the name exists), so nobody reads it half-written. */
function tryCreate(lockPath: string): boolean {
  const temp = `${lockPath}.${process.pid}.tmp`;
  writeFileSync(temp, `${process.pid}\n`);
  try {
    linkSync(temp, lockPath);
    return true;
  } catch (error) {
    if (errorCodeOf(error) === 'EEXIST') return false;
    throw error;
  } finally {
    removeQuietly(temp);
  }
}

function readLock(lockPath: string): string | undefined {
  try {
    return readFileSync(lockPath, 'utf8');
  } catch (error) {
    if (errorCodeOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function release(lockPath: string): void {
  if (!heldByThisProcess.delete(lockPath)) return;
  if (readLock(lockPath)?.trim() === String(process.pid)) removeQuietly(lockPath);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return errorCodeOf(error) === 'EPERM';
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCodeOf(error) !== 'ENOENT') throw error;
  }
}
