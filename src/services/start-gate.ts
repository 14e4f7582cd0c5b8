// Whether a pending service may start now, may still start later, or never
// will, from the states of the services it starts after. The manager asks at
// every state change; the answers depend on nothing else.
import type { Service } from './service.js';

/** The services of one manager, by name. */
export type Services = ReadonlyMap<string, Service>;

/** Every service in its `after` is satisfied: it may start now. */
export function startable(service: Service, services: Services): boolean {
  return service.config.after.every((dep) => services.get(dep)!.satisfied);
}

/**
 * A pending service may still start: no dependency (through pending ones)
 * has ended without satisfying it (failed, stopped, a oneshot that failed).
 */
export function mayStart(service: Service, services: Services): boolean {
  return service.config.after.every((name) => {
    const dep = services.get(name)!;
    if (ended(dep)) return false;
    return dep.state !== 'pending' || dep.restarting || mayStart(dep, services);
  });
}

// A dependency that ended without satisfying its dependents (failed,
// stopped, or exited but not a oneshot's 0), and is not being restarted.
function ended(dep: Service): boolean {
  return !dep.satisfied && !dep.restarting && (dep.state === 'failed' || dep.state === 'stopped' || dep.state === 'exited');
}

/**
 * Why a service will not start: each dependency that ended, or that will not
 * start in turn (as mayStart sees them), as [name, reason] pairs.
 */
function blockedBy(service: Service, services: Services): [string, string][] {
  return service.config.after.flatMap((name): [string, string][] => {
    const dep = services.get(name)!;
    if (ended(dep)) return [[name, `${name} is ${dep.state}`]];
    return dep.state === 'pending' && !dep.restarting && !mayStart(dep, services) ? [[name, `${name} will not start`]] : [];
  });
}

/** A pending service that can no longer start: the dependencies that block it, and why in words. */
export interface Unstartable {
  service: string;
  after: string[];
  why: string;
}

/** Every pending service that can no longer start, with what blocks it. */
export function unstartable(services: Services): Unstartable[] {
  return [...services.values()]
    .filter((s) => s.state === 'pending' && !mayStart(s, services))
    .map((s) => {
      const reasons = blockedBy(s, services);
      return { service: s.name, after: reasons.map(([name]) => name), why: reasons.map(([, why]) => why).join(', ') };
    });
}
