// Peer conformance: the same signal and terminal scenarios against tini,
// dumb-init, catatonit (Debian packages) and `exitmon run`, printed as a
// pass/fail table (the one in docs/cli.md).
//
//   npm run build && node --import tsx test/peers/conformance.ts [--markdown]
//
// Not part of `npm test`: it measures the peers as much as exitmon. Exits 0
// when every exitmon scenario passes (the peers' failures are reported only).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const TRAP = path.join(ROOT, 'test/fixtures/cli-trap-signals.py');
const PTY = path.join(ROOT, 'test/fixtures/cli-pty.py');
const STEP_MS = 5000;

/** A supervisor: the argv that goes before the command. */
interface Peer {
  readonly name: string;
  readonly argv: readonly string[];
}

// Non-PID-1 flags: tini -s (subreaper). exitmon through its launcher line, as an installed bin runs.
const PEERS: Peer[] = [
  { name: 'tini', argv: ['tini', '-s', '--'] },
  { name: 'dumb-init', argv: ['dumb-init', '--'] },
  { name: 'catatonit', argv: ['catatonit', '--'] },
  { name: 'exitmon', argv: [CLI, 'run', '--quiet', '--'] },
];

const FORWARDED = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGALRM', 'SIGPIPE', 'SIGURG',
  'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR', 'SIGSTKFLT', 'SIGCONT',
] as const;
const SIGRTMIN = 34;

/** A running supervisor with its output. */
interface Run {
  readonly child: ChildProcess;
  readonly pid: number;
  out: string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly done: Promise<number>;
}

function start(argv: readonly string[], options: { stdin?: 'pipe' | 'ignore' } = {}): Run {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'] });
  const run: Run = {
    child,
    pid: child.pid!,
    out: '',
    waitFor: (pattern, timeoutMs = STEP_MS) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const m = run.out.match(pattern);
          if (m === null) return;
          clearTimeout(timer);
          resolve(m);
        };
        const timer = setTimeout(() => reject(new Error(`no ${pattern}`)), timeoutMs);
        child.stdout!.on('data', check);
        check();
      }),
    done: new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : signalNumber(signal))))),
  };
  child.stdout!.setEncoding('utf8').on('data', (c: string) => void (run.out += c));
  child.stderr!.resume();
  return run;
}

function signalNumber(name: string): number {
  const n = spawnSync('sh', ['-c', `kill -l ${name.replace(/^SIG/, '')}`], { encoding: 'utf8' }).stdout.trim();
  return Number(n) || 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function state(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

const alive = (pid: number): boolean => ![undefined, 'Z', 'X'].includes(state(pid));

async function until(predicate: () => boolean, timeoutMs = STEP_MS): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

function sigIgn(pid: number): bigint {
  const hex = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
  return BigInt(`0x${hex}`);
}

// Ends a run whatever happened: SIGKILL to its descendants (found through
// /proc parent links, so only what this run started), then to it.
function kill(run: Run): void {
  for (const pid of descendants(run.pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  run.child.kill('SIGKILL');
}

// Every live descendant of pid.
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const found: number[] = [];
  const walk = (parent: number): void => {
    for (const [pid, ppid] of parents) if (ppid === parent && pid > 1 && pid !== process.pid) found.push(pid), walk(pid);
  };
  walk(root);
  return found;
}

type Scenario = { name: string; run(peer: Peer): Promise<boolean> };

// A signal sent to the supervisor reaches the command's handler and the supervisor survives it.
function forwards(signal: string, number?: number): Scenario {
  return {
    name: signal === 'SIGTERM' ? 'SIGTERM reaches the command; supervisor ends with its status' : `${signal} reaches the command; supervisor survives`,
    async run(peer) {
      const trapName = number === undefined ? signal : `RT+${number - SIGRTMIN}`;
      const r = start([...peer.argv, 'python3', TRAP, trapName]);
      try {
        await r.waitFor(/ready pid=\d+/);
        process.kill(r.pid, number ?? (signal as NodeJS.Signals));
        await r.waitFor(new RegExp(`got ${trapName.replace('+', '\\+')}\\n`));
        // The fixture exits 0 after SIGTERM: the supervisor must end with that status.
        if (signal === 'SIGTERM') return (await r.done) === 0;
        await sleep(50);
        if (!alive(r.pid)) return false;
        process.kill(r.pid, 'SIGTERM');
        return (await r.done) === 0;
      } catch {
        return false;
      } finally {
        kill(r);
      }
    },
  };
}

const SCENARIOS: Scenario[] = [
  {
    name: 'exit status of the command',
    async run(peer) {
      return (await start([...peer.argv, 'sh', '-c', 'exit 3']).done) === 3;
    },
  },
  {
    name: 'command killed by SIGKILL → 137',
    async run(peer) {
      return (await start([...peer.argv, 'sh', '-c', 'kill -9 $$']).done) === 137;
    },
  },
  ...FORWARDED.map((s) => forwards(s)),
  forwards('SIGRTMIN', SIGRTMIN),
  forwards('SIGRTMIN+30', SIGRTMIN + 30),
  {
    name: 'SIGTSTP: command gets it, supervisor stops; SIGCONT resumes',
    async run(peer) {
      const r = start([...peer.argv, 'python3', TRAP, 'SIGTSTP', 'SIGCONT']);
      try {
        await r.waitFor(/ready pid=\d+/);
        process.kill(r.pid, 'SIGTSTP');
        await r.waitFor(/got SIGTSTP/);
        if (!(await until(() => state(r.pid) === 'T', 2000))) return false;
        process.kill(r.pid, 'SIGCONT');
        await r.waitFor(/got SIGCONT/);
        return state(r.pid) !== 'T';
      } catch {
        return false;
      } finally {
        kill(r);
      }
    },
  },
  {
    name: 'nohup: SIGHUP kills neither supervisor nor command',
    async run(peer) {
      const r = start(['nohup', ...peer.argv, 'python3', TRAP, 'SIGUSR1']);
      try {
        const command = Number((await r.waitFor(/ready pid=(\d+)/))[1]);
        process.kill(r.pid, 'SIGHUP');
        await sleep(200);
        return alive(r.pid) && alive(command);
      } catch {
        return false;
      } finally {
        kill(r);
      }
    },
  },
  {
    name: 'signals the parent ignored stay ignored in the command',
    async run(peer) {
      const argv = [...peer.argv, 'sh', '-c', 'echo ready pid=$$; exec sleep 5'].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
      const r = start(['sh', '-c', `trap '' USR2; exec ${argv}`]);
      try {
        const command = Number((await r.waitFor(/ready pid=(\d+)/))[1]);
        return (sigIgn(command) & (1n << 11n)) !== 0n; // SIGUSR2 = 12
      } catch {
        return false;
      } finally {
        kill(r);
      }
    },
  },
  {
    name: 'fds 3 and 7 handed to the supervisor reach the command',
    async run(peer) {
      const argv = [...peer.argv, 'sh', '-c', 'cat <&3; cat <&7'].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
      const r = start(['sh', '-c', `exec ${argv} 3</etc/hostname 7</etc/hostname`]);
      const hostname = readFileSync('/etc/hostname', 'utf8');
      return (await r.done) === 0 && r.out === hostname + hostname;
    },
  },
  {
    name: "the caller's open-files limit reaches the command",
    async run(peer) {
      // The runtime under exitmon raises its own soft limit to the hard one at start.
      const argv = [...peer.argv, 'sh', '-c', 'ulimit -Sn'].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
      const r = start(['sh', '-c', `ulimit -Sn 1000 && exec ${argv}`]);
      return (await r.done) === 0 && r.out.trim() === '1000';
    },
  },
  {
    name: "stdout reader gone: the command's status, not SIGPIPE",
    async run(peer) {
      // Supervisors that print (exitmon's exit lines) meet EPIPE when an orphan exits.
      const argv = [...peer.argv, 'sh', '-c', '(sleep 0.2 &); sleep 0.6; exit 3'].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
      const r = start(['bash', '-c', `${argv} | true; exit \${PIPESTATUS[0]}`]);
      return (await r.done) === 3;
    },
  },
  {
    name: 'orphan of the command reaped (no zombie)',
    async run(peer) {
      const r = start([...peer.argv, 'sh', '-c', '(sleep 0.2 & echo orphan=$!) ; sleep 1']);
      try {
        const orphan = Number((await r.waitFor(/orphan=(\d+)/))[1]);
        await sleep(600);
        return state(orphan) === undefined;
      } catch {
        return false;
      } finally {
        kill(r);
      }
    },
  },
  {
    name: 'pty: Ctrl-C reaches the command → 130',
    async run(peer) {
      const r = start(['python3', PTY, ...peer.argv, 'sh', '-c', 'echo ready; exec sleep 5'], { stdin: 'pipe' });
      try {
        await r.waitFor(/ready/);
        r.child.stdin!.write('\x03');
        return Number((await r.waitFor(/pty-exit=(\d+)/))[1]) === 130;
      } catch {
        return false;
      } finally {
        kill(r);
      }
    },
  },
  {
    name: 'pty: Ctrl-Z stops command and supervisor; SIGCONT resumes',
    async run(peer) {
      const r = start(['python3', PTY, ...peer.argv, 'sh', '-c', 'echo ready; exec sleep 5'], { stdin: 'pipe' });
      try {
        const sup = Number((await r.waitFor(/pty-child=(\d+)/))[1]);
        await r.waitFor(/ready/);
        const command = descendants(sup)[0] ?? 0;
        if (!(command > 1)) return false;
        r.child.stdin!.write('\x1a');
        if (!(await until(() => state(sup) === 'T' && state(command) === 'T', 2000))) return false;
        process.kill(sup, 'SIGCONT');
        return await until(() => state(sup) !== 'T' && state(command) !== 'T', 2000);
      } catch {
        return false;
      } finally {
        kill(r);
      }
    },
  },
  {
    name: 'pty: interactive bash has job control and /dev/tty',
    async run(peer) {
      const r = start(['python3', PTY, ...peer.argv, 'bash', '--norc', '--noprofile', '-i'], { stdin: 'pipe' });
      try {
        await sleep(500);
        r.child.stdin!.write('echo via-$((6*7)) > /dev/tty; sleep 5 &\njobs; kill %1; exit 0\n');
        await r.waitFor(/pty-exit=/);
        return /via-42/.test(r.out) && /\[1\]\+\s+Running/.test(r.out) && !/no job control/.test(r.out);
      } catch {
        return false;
      } finally {
        kill(r);
      }
    },
  },
];

async function main(): Promise<void> {
  const markdown = process.argv.includes('--markdown');
  const peers = PEERS.filter((p) => p.argv[0] === CLI || spawnSync('sh', ['-c', `command -v ${p.argv[0]}`]).status === 0);
  const results = new Map<string, boolean[]>();
  for (const scenario of SCENARIOS) {
    const row: boolean[] = [];
    for (const peer of peers) row.push(await scenario.run(peer));
    results.set(scenario.name, row);
    if (!markdown) console.error(`${scenario.name}: ${row.map((ok, i) => `${peers[i]!.name} ${ok ? 'pass' : 'FAIL'}`).join(', ')}`);
  }
  const mark = (ok: boolean): string => (ok ? 'pass' : '**fail**');
  const lines = [`| scenario | ${peers.map((p) => p.name).join(' | ')} |`, `|---|${peers.map(() => '---').join('|')}|`];
  for (const [name, row] of results) lines.push(`| ${name} | ${row.map(mark).join(' | ')} |`);
  const totals = peers.map((_, i) => [...results.values()].filter((row) => row[i]).length);
  lines.push(`| **passed** | ${totals.map((t) => `${t}/${SCENARIOS.length}`).join(' | ')} |`);
  console.log(lines.join('\n'));
  const exitmon = peers.findIndex((p) => p.name === 'exitmon');
  const failed = [...results.values()].filter((row) => !row[exitmon]).length;
  console.log(`${SCENARIOS.length - failed} passed, ${failed} failed (exitmon)`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
