import { stateFolder, symbolFolder } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../shared/log.ts';
import { lockFolder, type FolderLock } from '../../storage/folderLock.ts';

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

/**
 * The locks of a process serving several symbols: every symbol's folders and the bot's state
 * folder. A second process on any of them refuses to start, naming the first. Returns the release.
 */
export function lockProcessFolders(configs: readonly Config[], botFolder: string, command: string, log?: Logger): () => void {
  const releases: Array<() => void> = [];
  try {
    for (const config of configs) releases.push(lockServiceFolders(config, command, log));
    const bot = lockFolder(botFolder, { command, log });
    releases.push(() => bot.release());
  } catch (e) {
    for (const r of releases.reverse()) r();
    throw e;
  }
  return () => {
    for (const r of releases.reverse()) r();
  };
}
