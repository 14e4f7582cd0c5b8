// NODE_OPTIONS belongs to the command, as every other variable does: tini
// hands it over untouched and runs no Node itself. exitmon's own Node must not
// take it too (an `--inspect` port the app then cannot bind, a `--require`d
// APM agent loaded twice, once into the init). The bin's sh launcher line
// (tsup.config.ts) keeps it aside in START_NODE_OPTIONS_ENV, after its pid,
// and execs node with NODE_OPTIONS empty; this puts it back before any
// command or service starts. Started without the launcher (`node main.js`),
// exitmon's Node has taken NODE_OPTIONS already: nothing to undo.

import { ownLauncherValue } from '../process/launcher-value.js';

/** Where the launcher keeps NODE_OPTIONS: `PID:VALUE`, or empty when it was unset. */
export const START_NODE_OPTIONS_ENV = 'EXITMON_START_NODE_OPTIONS';

/** Restores NODE_OPTIONS as the launcher found it and removes the launcher's variable. */
export function restoreNodeOptions(env: NodeJS.ProcessEnv = process.env): void {
  const kept = env[START_NODE_OPTIONS_ENV];
  delete env[START_NODE_OPTIONS_ENV];
  if (kept === undefined) return;
  if (kept === '') {
    // It was unset; the launcher set it empty for node.
    if (env.NODE_OPTIONS === '') delete env.NODE_OPTIONS;
    return;
  }
  const value = ownLauncherValue(kept, ':');
  if (value !== undefined) env.NODE_OPTIONS = value; // else another process's: not this start's
}
