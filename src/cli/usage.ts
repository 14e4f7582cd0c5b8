// Help, short usage and version texts.
import { readFileSync } from 'node:fs';
import type { Subcommand } from './args.js';

const SHORT_USAGE = `Usage:
  exitmon run [options] -- COMMAND [ARGS…]   supervise one command (like tini)
  exitmon watch [options] PID…               stream the exits of existing pids
  exitmon demo [options]                     run the built-in workload
  exitmon up [-f FILE] [options]             supervise the services of exitmon.yaml
Try 'exitmon --help' for more.`;

// `lines`: what the subcommand prints on stdout (exit lines; up: service event lines).
const commonHelp = (lines = 'exit lines'): string => `  --format pretty|json   ${lines} as text or JSON lines (default: pretty on a TTY, else json)
  -q, --quiet            no ${lines} and no info logs (warnings and errors still go to stderr)
  -v, --verbose          debug logs
  --metrics [HOST:]PORT  serve Prometheus metrics at http://HOST:PORT/metrics (HOST defaults to 127.0.0.1; port 0 picks one)
  -h, --help             this help`;

const HELP: Record<Subcommand | 'main', string> = {
  main: `exitmon: process exits as a stream of events, and a tiny init that reaps zombies.

${SHORT_USAGE.split('\nTry')[0]}
  exitmon --version

Subcommands:
  run    Becomes a child subreaper (or init when it is PID 1), starts COMMAND in
         its own process group (handing it the terminal), forwards every
         catchable signal to the group (Ctrl-Z stops the group, then exitmon),
         reaps every orphan, prints one line per exit, stops what is left when
         COMMAND exits, and exits with its status.
  watch  Prints the exit of each PID (outcome 'unknown' for non-children) and
         ends when all are gone.
  up     Starts the services of FILE (default exitmon.yaml, exitmon.yml or
         exitmon.json) in dependency order, restarts them as configured, reaps
         every orphan, and on SIGTERM/SIGINT/SIGHUP/SIGQUIT stops them in
         reverse order, verified (a second signal kills at once). See
         docs/services.md.
  demo   Children, orphaned grandchildren, a process that ignores SIGTERM, a
         burst of short-lived processes and a slow subscriber; ends with a summary.

Options (all subcommands):
${commonHelp()}

Run 'exitmon help run' for run's own options. Exit lines go to stdout, logs to stderr.
Exit status: the command's (run), 0/1 (watch, demo, up; up: 2 for a bad
services file), 2 for bad usage.`,
  up: `Usage: exitmon up [-f FILE] [options]

  -f, --file FILE        the services file (YAML or JSON; default: exitmon.yaml,
                         exitmon.yml or exitmon.json in the working directory);
                         one only
${commonHelp('service event lines')}

Prints one line per service event (starting ready exited restarting failed
stopping stopped). Ends when no service runs or waits to restart, or on
SIGTERM, SIGINT, SIGHUP (a closed terminal) or SIGQUIT after stopping every
service; a second signal kills at once. Other signals that would end it
(SIGUSR1, SIGUSR2, SIGALRM, …) are logged and ignored, the real-time ones
ignored; signals ignored at start (nohup) stay ignored. Under Deno, SIGUSR1
also opens Deno's inspector.
Exit status: 0 when everything ended or stopped with nothing left, no
service failed and none was left unable to start; 1 otherwise; 2 for a bad
services file or bad usage.`,
  run: `Usage: exitmon run [options] -- COMMAND [ARGS…]

  --grace DURATION       once COMMAND has exited, what is left of its process
                         group and every orphan still running get SIGTERM, then
                         SIGKILL after DURATION (300ms, 2s, 1m30s, 1h; a plain
                         number is seconds; default 5s)
  --no-subreaper         do not adopt orphans: only COMMAND itself is reaped
                         (ignored when exitmon is PID 1: init must reap)
  --exec-id ID           tag COMMAND's exit event with this exec id
${commonHelp()}

Exit status: COMMAND's exit code, or 128+N when it died of signal N;
126/127 when it could not be started; 2 for bad usage.`,
  watch: `Usage: exitmon watch [options] PID…

Prints one line per exit and ends when every PID is gone. Exits 0, or 1 when
some PID could not be watched (no such process, exitmon itself, a thread:
reported on stderr; the others are still watched).
${commonHelp()}`,
  demo: `Usage: exitmon demo [options]

Runs a few children, a burst of orphaned grandchildren, a process that ignores
SIGTERM (stopped with escalation), a burst of short-lived processes and a slow
subscriber, then prints a summary. Exits 0 when no zombie is left.
${commonHelp()}`,
};

// The full help of exitmon or of one subcommand.
export function helpText(subcommand?: Subcommand): string {
  return `${HELP[subcommand ?? 'main']}\n`;
}

// What bad usage prints (to stderr) before exiting 2.
export function usageText(message: string): string {
  return `exitmon: ${message}\n${SHORT_USAGE}\n`;
}

// The package version, read at run time so it never drifts from package.json:
// dist/cli/main.js and src/cli/*.ts both sit two levels below it.
export function packageVersion(): string {
  const manifest = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}
