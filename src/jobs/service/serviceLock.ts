import { symbolFolder } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../log.ts';
import { lockFolder, type FolderLock } from '../../storage/folderLock.ts';
import { stateFolder } from './state.ts';

/**
 * Takes the lock of every folder a service writes its state to (the symbol folder, and the
 * state folder when it lies elsewhere): a second service on them refuses to start, naming the
 * first. Returns the release.
 */
export function lockServiceFolders(config: Config, command: string, log?: Logger): () => void {
  const locks: FolderLock[] = [];
  try {
    for (const folder of new Set([symbolFolder(config), stateFolder(config)])) locks.push(lockFolder(folder, { command, log }));
  } catch (e) {
    for (const l of locks) l.release();
    throw e;
  }
  return () => {
    for (const l of locks.reverse()) l.release();
  };
}
