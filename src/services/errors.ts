// The error a bad service file or config object is reported with: every
// problem found, each naming the service and the key, before anything starts.
import { ExitMonitorError } from '../core/errors.js';

/** One problem in a services config. */
export interface ServiceConfigIssue {
  /** The service it concerns; undefined for top-level keys. */
  readonly service: string | undefined;
  /** The key inside the service (or at the top level), e.g. `restartDelay` or `ready` (the message then names the part of `ready` at fault, as in `tcp: …`). */
  readonly key: string;
  /** What is wrong, e.g. ``expected a duration up to 596h (milliseconds, or a string such as 300ms, 5s, 1m), got `"soon"` (string)``. */
  readonly message: string;
}

/**
 * A services config (`exitmon.yaml` or the object given to `ServiceManager`)
 * that cannot be run: unknown keys, bad values, unknown dependencies, cycles.
 * `issues` lists every problem; the message has one line per issue.
 */
export class ServiceConfigError extends ExitMonitorError {
  /** Every problem found: the top level's, then each service's own (in the order of the `services` object's keys), then those between services (unknown dependencies, cycles). */
  readonly issues: readonly ServiceConfigIssue[];
  /** The file the config came from, when it came from one. */
  readonly file: string | undefined;

  constructor(issues: readonly ServiceConfigIssue[], file?: string, options?: { cause?: unknown }) {
    const where = file === undefined ? 'services config' : file;
    const lines = issues.map((issue) => `  ${describeIssue(issue)}`);
    super(`Invalid ${where}:\n${lines.join('\n')}`, 'ERR_SERVICE_CONFIG', options);
    this.issues = issues;
    this.file = file;
  }
}

// `services.web.restart: expected …`, or `grace: …` for a top-level key.
export function describeIssue(issue: ServiceConfigIssue): string {
  const path = issue.service === undefined ? issue.key : `services.${issue.service}${issue.key === '' ? '' : `.${issue.key}`}`;
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}
