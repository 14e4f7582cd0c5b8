// The public /proc helpers of the process layer: a thin wrapper over
// src/proc/, which holds every piece of /proc knowledge (stat.ts) and the one
// liveness rule (hasExited, in liveness.ts).
export { hasProcFs, parseProcStat, readProcStat, listProcesses, ownProcessGroup, type ProcessState, type ProcStat } from '../proc/stat.js';
export { probeKill, hasExited, readProcessState, isRunning } from '../proc/liveness.js';
