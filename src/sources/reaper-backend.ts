// Which backend a new Reaper gets: the addon's pidfd event source when the
// addon loads and its epoll set opens, else /proc polling ('auto' warns once
// with the reason; 'pidfd' throws instead of falling back).
import { NativeUnavailableError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { probeNativeBinding } from '../native/load.js';
import { PidfdBackend } from './pidfd-backend.js';
import { warnPollingOnce } from './poll-backend.js';
import type { ReaperBackend } from './reaper-options.js';

/** The pidfd backend, or null for polling, and the name `Reaper.backend` reports. */
export interface ChosenBackend {
  pidfd: PidfdBackend | null;
  backend: ReaperBackend;
}

/**
 * Opens the backend that `requested` asks for.
 * @throws NativeUnavailableError when 'pidfd' was asked for and the addon is
 * missing; the event source's error when 'pidfd' was asked for and it cannot start.
 */
export function chooseBackend(requested: ReaperBackend | 'auto', logger: Logger): ChosenBackend {
  const probe = probeNativeBinding();
  if (requested === 'pidfd' && probe.binding === null) throw new NativeUnavailableError('The pidfd backend', { cause: probe.reason });
  let reason = probe.reason;
  let pidfd: PidfdBackend | null = null;
  if (requested !== 'poll' && probe.binding !== null) {
    try {
      pidfd = new PidfdBackend(probe.binding); // starts the event source on first use (epoll_create1 may fail: EMFILE)
    } catch (error) {
      if (requested === 'pidfd') throw error;
      reason = `the pidfd event source could not start (${(error as Error).message})`;
    }
  }
  if (pidfd === null && requested === 'auto') warnPollingOnce(logger, reason ?? 'unknown reason');
  return { pidfd, backend: pidfd === null ? 'poll' : 'pidfd' };
}
