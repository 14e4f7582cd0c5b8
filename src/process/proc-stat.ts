// The public /proc helpers of the process layer: a thin wrapper over
// src/proc/stat.ts, which holds every piece of /proc knowledge and the one
// liveness rule (hasExited).
export {
  hasProcFs,
  parseProcStat,
  readProcStat,
  probeKill,
  hasExited,
  readProcessState,
  isRunning,
  listProcesses,
  ownProcessGroup,
  type ProcessState,
  type ProcStat,
} from '../proc/stat.js';
