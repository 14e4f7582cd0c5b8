// exitmon: public entry. Explicit named exports, grouped by layer.
import { setProcessWarningHook } from './core/process-warning.js';

// Core is platform-free; the entry gives it the runtime's process warnings
// (Node, Bun and Deno all have process.emitWarning) so that a throwing
// listener is never silent when no logger was configured.
setProcessWarningHook((message, code) => process.emitWarning(message, { type: 'ExitmonWarning', code }));

// Core: the platform-free monitor
export { ExitMonitor } from './core/monitor.js';
export type { ExitMonitorOptions, MonitorStats, MonitorLifecycleEvents } from './core/monitor.js';
export type { ExitSubscription } from './core/subscription.js';
export type { ExitListener } from './core/subscription-state.js';
export type { ExitEvent, ExitInit, ExitOutcome, ExitResources } from './core/exit-event.js';
export type { Topic } from './core/topic.js';
export type { WaitOptions } from './core/wait.js';
export type { Logger } from './core/logger.js';
export { LISTENER_ERROR_WARNING_CODE } from './core/process-warning.js';

// Errors
export {
  ExitMonitorError,
  SubscriptionClosedError,
  MonitorClosedError,
  WaitTimeoutError,
  NoSuchProcessError,
  NativeUnavailableError,
  SyscallError,
  TeardownError,
} from './core/errors.js';
export { SubscriptionConsumedError } from './core/subscription-state.js';

// Sources
export { Reaper, reaperFor, DEFAULT_POLL_INTERVAL_MS, DEFAULT_SWEEP_INTERVAL_MS } from './sources/reaper.js';
export type { ReaperOptions, ReaperStats, ReaperBackend, WatchOptions } from './sources/reaper.js';

// Processes
export { spawn } from './process/spawn.js';
export type { ManagedProcess, ManagedSpawnOptions, ManagedSpawnOptions as SpawnOptions, SpawnEngine } from './process/spawn.js';
export { stopProcessGroup, stopProcessTree, DEFAULT_STOP_SIGNAL, DEFAULT_GRACE_MS, DEFAULT_KILL_SIGNAL } from './process/stop.js';
export { startFailureStatus, STATUS_NOT_FOUND, STATUS_NOT_EXECUTABLE, STATUS_START_FAILED } from './process/start-failure.js';
export type { StopOptions, StopResult } from './process/stop.js';
export { readProcessState, isRunning, listProcesses } from './process/proc-stat.js';
export type { ProcessState, ProcStat } from './process/proc-stat.js';

// Services
export { ServiceManager } from './services/manager.js';
export type { ServiceManagerOptions } from './services/manager.js';
export type { ServiceState, ServiceStatus, ServiceEvent, ServiceEventName } from './services/types.js';
export { SERVICE_STATES } from './services/types.js';
export type { ServicesConfig, ServiceConfig, Duration, RestartPolicy } from './services/config.js';
export {
  DEFAULT_SERVICE_GRACE_MS,
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_RESTART_DELAY_MS,
  DEFAULT_MAX_RESTART_DELAY_MS,
  DEFAULT_MAX_RESTARTS,
  DEFAULT_RESTART_WINDOW_MS,
} from './services/config.js';
export type { ReadyCheckConfig } from './services/readiness.js';
export { ServiceConfigError } from './services/errors.js';
export type { ServiceConfigIssue } from './services/errors.js';
export { DEFAULT_SERVICE_FILES, findServicesFile } from './services/load.js';
