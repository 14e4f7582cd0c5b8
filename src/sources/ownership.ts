// The ownership model of one reaper: the single place that answers "whose
// child is pid, may exitmon reap it, whose zombie is this?". WatchSet and
// OrphanSweep only carry out its answers.
//
//   - a runtime's child (node:child_process, Bun.spawn, Deno.Command, in any
//     thread; or any child while a synchronous spawn runs): its owner waits
//     for it by pid, so it is only ever peeked at (runtime-children.ts; the
//     addon re-checks under its lock at the moment of the reap);
//   - a watched pid: its watch collects it, reaped or observed as the
//     watch's `reap` option says;
//   - a zombie observed by a `reap: false` watch: left to its owner, never
//     collected again (its exit was published once);
//   - a child alive before the reaper became subreaper: owner unknown
//     (perhaps node:child_process before exitmon was imported), never reaped,
//     unless the host declared it inherited (an init: adoptInherited);
//   - anything else re-parented to us: an adopted orphan, ours to reap.
// Identities are pid + start time, so a reused pid is a new process.
//
// The same knowledge answers `reaper.adopted()`, the live orphans this
// process adopted (see adoptedOrphans below and docs/linux.md, "Which
// children are adopted orphans").
import { loadNative } from '../native/load.js';
import { listProcesses, readProcStat, type ProcStat } from '../proc/stat.js';
import { hasExited } from '../proc/liveness.js';
import { childrenOf } from '../proc/tree.js';
import { ticksSinceBoot } from '../proc/uptime.js';
import { ERRNO } from './native-errors.js';
import { childProcessReaped, isOwnedByRuntime, ownedChildProcess, runtimeChildExit, startedInSpawnWindow, type RuntimeExit } from './runtime-children.js';

export { childProcessReaped, isOwnedByRuntime, ownedChildProcess, runtimeChildExit, type RuntimeExit };

/** Whose zombie a zombie child is (see the module comment). */
export type ZombieOwner = 'runtime' | 'watched' | 'left-to-owner' | 'preexisting' | 'adoptable' | 'gone';

// What every open reaper of this realm knows about its children: its live
// watches and the children it found when it became subreaper.
interface ReaperClaims {
  watched(pid: number): boolean;
  preexisting(child: ProcStat): boolean;
}

// Realm-wide, on globalThis so that an ESM and a CJS copy of exitmon agree:
// the moment exitmon was first loaded (clock ticks since boot, undefined
// without /proc) and the claims of every open reaper.
interface AdoptionRealm {
  readonly loadedAt: number | undefined;
  readonly claims: Set<ReaperClaims>;
  /** The host declared that it started no child before exitmon could record it (an init). */
  inheritedAdoptable?: boolean;
  /** exitmon's native spawns not collected yet (added lazily: an older copy's realm object may lack it). */
  spawned?: Set<number>;
  /** Live orphans an adopting reaper left when it closed (pid -> start time): orphans still, for the next one. */
  handedOver?: Map<number, number>;
}
const ADOPTION_KEY = Symbol.for('exitmon.adoption.v1');
const adoptionRealm: AdoptionRealm = ((globalThis as { [ADOPTION_KEY]?: AdoptionRealm })[ADOPTION_KEY] ??= {
  loadedAt: ticksSinceBoot(),
  claims: new Set(),
});

/**
 * Claims `pid`, a child exitmon's native spawn started in this realm, until
 * its exit is collected (call the returned release then). Its spawner keeps
 * it even when the reaper that watched it was closed: never an adopted
 * orphan (adopted(), stopAdopted()), never another reaper's to reap.
 */
export function claimSpawned(pid: number): () => void {
  const spawned = (adoptionRealm.spawned ??= new Set());
  spawned.add(pid);
  return () => void spawned.delete(pid);
}

// Whether pid is claimed by exitmon's native spawn (see claimSpawned).
function spawnedHere(pid: number): boolean {
  return adoptionRealm.spawned?.has(pid) === true;
}

/**
 * Whether anything can be re-parented to this process: it is a child
 * subreaper (prctl, needs the addon to ask) or PID 1 of its pid namespace.
 */
export function mayAdopt(): boolean {
  return process.pid === 1 || loadNative()?.getSubreaper() === 1;
}

/**
 * Whether this process has no child at all, running or zombie: the addon's
 * peek, waitid(P_ALL, WNOHANG|WNOWAIT), answers ECHILD (waitid(2); the peek
 * reaps nothing). One system call instead of a /proc scan. False without the
 * addon (unknown).
 */
export function hasNoChildren(): boolean {
  return loadNative()?.peekAny() === -ERRNO.ECHILD;
}

/**
 * THE rule for "adopted orphan": a live child of this process (a running
 * 'Z' leader counts, see hasExited) that this process did not start, as far
 * as it can know. A child is excluded when
 *   1. a runtime spawn API owns it (node:child_process in any realm that
 *      loaded exitmon, Bun.spawn, Deno.Command, and the libraries built on
 *      them; exitmon's own spawn() with the child_process engine);
 *   2. an open reaper of this realm watches it: its watcher manages it
 *      (exitmon's native spawn engine watches each child from its birth);
 *   3. it was already a child when a reaper became subreaper, or it started
 *      no later than the clock tick in which exitmon was loaded: spawned
 *      before exitmon could record it (tsx's esbuild helper, a child of a
 *      loader thread), so perhaps ours;
 *   4. it started while an asynchronous runtime spawn whose children go
 *      unseen runs in this realm (Bun's shell, Deno.Command#output()):
 *      perhaps one of those (an orphan among them is listed once it ends).
 * Everything else became our child by re-parenting (a child subreaper, or
 * PID 1): the kernel gives us no other children. Empty when nothing can be
 * re-parented to us (mayAdopt()). `procs`: one /proc listing.
 */
export function adoptedOrphans(procs?: readonly ProcStat[]): ProcStat[] {
  if (!mayAdopt()) return [];
  // No child at all, running or zombie (one waitid answers ECHILD): none
  // adopted, and no /proc listing (its cost grows with the host's processes;
  // an init's exit asked for it every time).
  if (procs === undefined && hasNoChildren()) return [];
  const self = process.pid;
  return (procs ?? listProcesses()).filter((p) => {
    if (p.ppid !== self || hasExited(p) || isOwnedByRuntime(p.pid)) return false;
    if (startedUnrecorded(p) || startedInSpawnWindow(p.startTime)) return false;
    for (const claim of adoptionRealm.claims) if (claim.watched(p.pid)) return false;
    return !spawnedHere(p.pid);
  });
}

// Rule 3 above: a child that started before exitmon could record who spawned
// it (no later than the load tick, unless an init declared its inherited
// children adoptable), or that was a child when a reaper became subreaper.
function startedUnrecorded(p: ProcStat): boolean {
  const { loadedAt } = adoptionRealm;
  if (loadedAt !== undefined && p.startTime <= loadedAt && adoptionRealm.inheritedAdoptable !== true) return true;
  for (const claim of adoptionRealm.claims) if (claim.preexisting(p)) return true;
  return false;
}

/** Per-reaper ownership bookkeeping (pid -> start time). */
export class Ownership {
  readonly #leftToOwner = new Map<number, number>();
  #preexisting = new Map<number, number>();
  readonly #claims: ReaperClaims;

  /** `watched(pid)`: whether the reaper has a live watch of pid. */
  constructor(watched: (pid: number) => boolean) {
    this.#claims = { watched, preexisting: (child) => this.#preexisting.get(child.pid) === child.startTime };
    adoptionRealm.claims.add(this.#claims);
  }

  // Whether a watch of pid may reap it: asked, and no runtime owns it.
  mayReap(pid: number, reapAsked: boolean): boolean {
    return reapAsked && !isOwnedByRuntime(pid);
  }

  // Whether a new watch of pid may reap it: as mayReap, no other open reaper
  // of this realm watches it already, and it is no native spawn claimed by
  // its spawner (which claims after its own watch). The first watch decides:
  // exitmon's native spawn watches its child from birth, so a second
  // reaper's watch (reap: true by default) would take the spawner's status.
  // Nor a child whose owner is unknown (rule 3 of adoptedOrphans): a
  // node:child_process child spawned before exitmon was loaded is libuv's,
  // and reaping it took its 'exit' event. `spawned`: the native spawner's own
  // watch, whose child may have started in the load tick and is its own.
  mayReapNewWatch(pid: number, reapAsked: boolean, spawned = false): boolean {
    if (!this.mayReap(pid, reapAsked) || spawnedHere(pid)) return false;
    for (const claim of adoptionRealm.claims) if (claim !== this.#claims && claim.watched(pid)) return false;
    if (spawned) return true;
    const stat = readProcStat(pid);
    return stat === null || stat.ppid !== process.pid || !startedUnrecorded(stat);
  }

  // Records that the zombie pid was observed and left to its owner.
  leaveToOwner(pid: number): void {
    const stat = readProcStat(pid);
    if (stat !== null) this.#leftToOwner.set(pid, stat.startTime);
  }

  // True when pid is a zombie observed earlier and left to its owner (same process).
  isLeftToOwner(pid: number): boolean {
    return this.#leftToOwner.has(pid) && this.#stillLeftToOwner(pid, readProcStat(pid));
  }

  // The same, from a stat already read (`stat`: /proc/<pid>/stat now, or null).
  #stillLeftToOwner(pid: number, stat: ProcStat | null): boolean {
    const kept = this.#leftToOwner.get(pid);
    if (kept === undefined) return false;
    if (stat !== null && stat.startTime === kept && stat.state === 'zombie') return true;
    this.#leftToOwner.delete(pid); // reaped by its owner, or the pid was reused
    return false;
  }

  /**
   * The host started none of the children it had before this call (an init
   * that replaced, through exec, the program that started them): they are
   * orphans to adopt, not children of an unknown owner. Realm-wide: rule 3
   * of adoptedOrphans no longer applies.
   */
  adoptInherited(): void {
    this.#preexisting.clear();
    adoptionRealm.inheritedAdoptable = true;
  }

  // Snapshots this process's children now: their owner is unknown, never
  // reap them; except the orphans an adopting reaper of this realm left
  // when it closed (else they would never be reaped: zombies for good).
  rememberPreexisting(noChildren = false): void {
    const children = noChildren ? [] : childrenOf(process.pid);
    const handedOver = adoptionRealm.handedOver;
    if (handedOver !== undefined) {
      for (const [pid, startTime] of handedOver) if (!children.some((p) => p.pid === pid && p.startTime === startTime)) handedOver.delete(pid);
    }
    this.#preexisting = new Map(
      children.filter((p) => !isOwnedByRuntime(p.pid) && handedOver?.get(p.pid) !== p.startTime).map((p) => [p.pid, p.startTime]),
    );
  }

  // An adopting reaper closes: its live orphans stay orphans for the next
  // reaper of this realm that becomes subreaper.
  handOver(orphans: readonly ProcStat[]): void {
    const handedOver = (adoptionRealm.handedOver ??= new Map());
    for (const p of orphans) handedOver.set(p.pid, p.startTime);
  }

  /**
   * Whose zombie is pid (a zombie child of this process)? 'watched' also when
   * another open reaper of this realm watches it (exitmon's native spawn into
   * a monitor of its own): its watch collects it; an adopting reaper that
   * took it would steal its status.
   */
  whoseZombie(pid: number): ZombieOwner {
    if (isOwnedByRuntime(pid)) return 'runtime';
    // Every open reaper's claims, this one's included; a native spawn's
    // spawner collects it itself once its reaper is closed.
    for (const claim of adoptionRealm.claims) if (claim.watched(pid)) return 'watched';
    if (spawnedHere(pid)) return 'watched';
    if (this.#leftToOwner.has(pid) || this.#preexisting.has(pid)) {
      const stat = readProcStat(pid);
      if (stat === null) return 'gone';
      if (this.#stillLeftToOwner(pid, stat)) return 'left-to-owner';
      if (this.#preexisting.get(pid) === stat.startTime) return 'preexisting';
    }
    return 'adoptable';
  }

  // Forgets bookkeeping about processes that are gone.
  prune(): void {
    for (const pid of [...this.#leftToOwner.keys()]) this.isLeftToOwner(pid);
    for (const [pid, startTime] of this.#preexisting) {
      if (readProcStat(pid)?.startTime !== startTime) this.#preexisting.delete(pid);
    }
  }

  // The reaper closed: forgets everything and withdraws its claims.
  clear(): void {
    adoptionRealm.claims.delete(this.#claims);
    this.#leftToOwner.clear();
    this.#preexisting.clear();
  }
}
