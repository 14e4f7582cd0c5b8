// A managed process's group is signalled only while it is still the one the
// child led: once it emptied after the child's exit, its id may lead a
// stranger's group (spawn probe findings 1 and 2). A real recycled pid:
// inside a new pid namespace, /proc/sys/kernel/ns_last_pid steers the next
// pid. Needs root (CAP_SYS_ADMIN) and unshare(1); skipped elsewhere.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLinux } from './helpers.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/process-group-reuse.mjs');

const canRecyclePids =
  isLinux &&
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', 'echo 50 > /proc/sys/kernel/ns_last_pid'], { timeout: 10_000 }).status === 0;

// Runs the fixture under a shell that is PID 1 of a new pid namespace, then
// reports whether the stranger outlived the script's own exit.
function run(mode: 'stop' | 'cleanup', engine: string): Record<string, unknown> {
  const node = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(FIXTURE)} ${mode} ${engine}`;
  // The script runs in the foreground (not in $(…)) so that the shell, PID 1
  // here, reaps the orphans it leaves (a zombie would pin the group's id).
  // mktemp, not $$: the shell is PID 1, so $$ is 1 in every namespace (two suites at once shared one file).
  const shell = `out=$(mktemp /tmp/group-reuse.XXXXXX); ${node} > "$out" || exit 1; cat "$out"; ` +
    `b=$(sed -n 's/.*"stranger":\\([0-9]*\\).*/\\1/p' "$out"); rm -f "$out"; sleep 0.1; ` +
    `if [ -n "$b" ] && kill -0 "$b" 2>/dev/null; then echo '{"afterExit":"alive"}'; kill -9 "$b"; else echo '{"afterExit":"gone"}'; fi`;
  const result = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'sh', '-c', shell], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  expect(result.status, result.stderr).toBe(0);
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  return Object.assign({}, ...lines) as Record<string, unknown>;
}

describe.skipIf(!canRecyclePids)('a managed process\'s group id recycled by a stranger', () => {
  for (const engine of ['native', 'child_process']) {
    it(`${engine}: stop() after the exit leaves a stranger leading a group with the old id alone`, () => {
      const r = run('stop', engine);
      expect(r).toMatchObject({ reused: true, alreadyExited: true, strangerAlive: true, afterExit: 'alive' });
    });

    it(`${engine}: the exit cleanup of a group that outlived its leader spares a stranger that got the id after it emptied`, () => {
      const r = run('cleanup', engine);
      expect(r).toMatchObject({ reused: true, afterExit: 'alive' });
    });
  }
});
