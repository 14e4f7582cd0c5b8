// exitmon as PID 1 of a new pid namespace, as in a container without
// --init: it must reap every orphan and pass signals on. Needs root (or user
// namespaces) for `unshare --pid`; skipped with the reason where refused.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, exitLines, FIXTURES, expectInheritedChildReaped, runCli, startCli, stopAllClis } from './cli-process.js';

// --kill-child: if unshare dies (test cleanup), the namespace's init is killed and with it everything inside.
const UNSHARE = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];

// Probes once whether this machine lets us create a pid namespace.
function unshareRefusal(): string | undefined {
  const probe = spawnSync(UNSHARE[0]!, [...UNSHARE.slice(1), 'true'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `unshare is not available: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare --pid is refused here: ${probe.stderr.trim() || `status ${probe.status}`}`;
  return undefined;
}

const refusal = unshareRefusal();
if (refusal !== undefined) console.warn(`skipping the PID 1 tests: ${refusal}`);

// The host pid of unshare's forked child (the namespace's PID 1), via /proc.
function childOf(ppid: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

// The signals a process catches (SigCgt of /proc/<pid>/status), as numbers; undefined once it is gone.
function caughtSignals(pid: number): Set<number> | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const mask = BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0'}`);
  const caught = new Set<number>();
  for (let n = 1; n <= 64; n++) if ((mask >> BigInt(n - 1)) & 1n) caught.add(n);
  return caught;
}

beforeAll(ensureBuilt, 120_000);
afterEach(stopAllClis);

describe.skipIf(refusal !== undefined)('exitmon run as PID 1 (unshare --pid)', () => {
  it('acts as init: reaps the orphans of the command', async () => {
    const { status, stdout, stderr } = await runCli(['run', '--verbose', '--', 'sh', join(FIXTURES, 'cli-orphan.sh')], { prefix: UNSHARE });
    expect(status).toBe(0);
    expect(stderr).toMatch(/running as init \(PID 1\)/);
    const orphanPid = Number(/orphan=(\d+)/.exec(stdout)?.[1]);
    expect(exitLines(stdout)).toEqual([
      expect.objectContaining({ pid: orphanPid, role: 'orphan', status: 4, outcome: 'reaped' }),
      expect.objectContaining({ role: 'main', status: 0 }),
    ]);
  });

  it('reaps a child it inherited through exec (`helper & exec exitmon run …`), as tini does', () => expectInheritedChildReaped(UNSHARE));

  it('still reaps orphans with --no-subreaper, which it ignores as PID 1', async () => {
    const { status, stdout, stderr } = await runCli(['run', '--no-subreaper', '--', 'sh', join(FIXTURES, 'cli-orphan.sh')], { prefix: UNSHARE });
    expect(status).toBe(0);
    expect(stderr).toMatch(/--no-subreaper is ignored/);
    expect(exitLines(stdout).map((l) => [l.role, l.outcome])).toEqual([['orphan', 'reaped'], ['main', 'reaped']]);
  });

  it('forwards SIGTERM to the command and exits 143', async () => {
    const cli = startCli(['run', '--', 'sh', '-c', 'echo ready; exec sleep 30'], { prefix: UNSHARE });
    await cli.waitFor('stdout', /ready/);
    const init = childOf(cli.pid);
    expect(init).toBeGreaterThan(1);
    process.kill(init!, 'SIGTERM');
    const { status, stdout, stderr } = await cli.done;
    expect(status).toBe(143);
    expect(stderr).toMatch(/"pid":1,.*forwarded SIGTERM/);
    expect(exitLines(stdout)[0]).toMatchObject({ role: 'main', signal: 'SIGTERM' });
  });

  // As PID 1 no signal has a default action: one that came before exitmon
  // handled it was dropped by the kernel, and the command ran on. The bin's
  // first module now holds SIGTERM, SIGINT, SIGHUP and SIGQUIT; the test
  // signals in the window where only that hold is in place (SIGQUIT caught,
  // the forwarder's SIGUSR2 not yet), which never existed before.
  it('a SIGTERM that arrives before run forwards signals is held and reaches the command', async () => {
    const started = performance.now();
    const cli = startCli(['run', '-q', '--', 'sh', '-c', 'trap "echo got; exit 7" TERM; sleep 5 & wait'], { prefix: UNSHARE });
    let init: number | undefined;
    for (;;) {
      init ??= childOf(cli.pid);
      const caught = init === undefined ? undefined : caughtSignals(init);
      if (caught !== undefined && caught.has(3) && !caught.has(12)) break;
      if (performance.now() - started > 20_000) throw new Error('never saw the early hold alone (SIGQUIT caught, SIGUSR2 not)');
    }
    process.kill(init!, 'SIGTERM');
    const { status, stdout } = await cli.done;
    // Held, then forwarded once the command ran: its trap (7), or before its
    // trap was set (143). A lost signal lets the command's 5 s run out: 0.
    expect([7, 143], stdout).toContain(status);
  });

  it('stops what is left of the group, escalating for a member that ignores SIGTERM', async () => {
    const { status, stdout } = await runCli(['run', '--grace', '300ms', '--', 'sh', join(FIXTURES, 'cli-leave-group.sh')], { prefix: UNSHARE });
    expect(status).toBe(0);
    const stubborn = Number(/stubborn=(\d+)/.exec(stdout)?.[1]);
    expect(exitLines(stdout).find((l) => l.pid === stubborn)).toMatchObject({ signal: 'SIGKILL', outcome: 'reaped' });
  });
});
