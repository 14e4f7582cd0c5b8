// Topics: what a subscription wants to receive, validated and normalized once
// at subscribe time so that publish only does map look-ups.
import { assertOptionalString, assertNonEmptyString, assertPid, describe } from './validate.js';

/** What a subscription receives. */
export type Topic =
  | 'all' // every exit
  | 'pid' // every exit whose subject is a plain pid (no execId)
  | 'exec' // every exit whose subject is an exec
  | { pid: number } // the exits of one pid
  | { execId: string; containerId?: string }; // the exit of one exec

/** A validated topic, in the form the router indexes. */
export type NormalizedTopic =
  | { kind: 'all' | 'pid' | 'exec' }
  | { kind: 'onePid'; pid: number }
  | { kind: 'oneExec'; execId: string; containerId: string | undefined };

const EXPECTED = `'all', 'pid', 'exec', { pid } or { execId, containerId? }`;

// Validates a topic given by a user; throws TypeError/RangeError naming the forms.
export function normalizeTopic(topic: unknown): NormalizedTopic {
  if (topic === 'all' || topic === 'pid' || topic === 'exec') return { kind: topic };
  if (typeof topic === 'object' && topic !== null && !Array.isArray(topic)) {
    const t = topic as Record<string, unknown>;
    // An unknown key is a typo that would otherwise widen or narrow the topic silently.
    const unknown = Object.keys(t).find((key) => key !== 'pid' && key !== 'execId' && key !== 'containerId');
    if (unknown !== undefined) throw new TypeError(`Expected \`topic\` to be ${EXPECTED}, got the unknown key \`${unknown}\` in ${describe(topic)}`);
    // A key whose value is undefined is not given (`{ pid, execId: undefined }`
    // is a pid topic), unless it is the only one: then its check names it.
    const given = (key: string): boolean => t[key] !== undefined;
    const hasExec = given('execId') || ('execId' in t && !given('pid'));
    const hasPid = given('pid') || ('pid' in t && !hasExec);
    if (hasPid && !hasExec && !given('containerId')) {
      assertPid(t.pid, 'pid');
      return { kind: 'onePid', pid: t.pid };
    }
    if (hasExec && !hasPid) {
      assertNonEmptyString(t.execId, 'execId');
      assertOptionalString(t.containerId, 'containerId');
      return { kind: 'oneExec', execId: t.execId, containerId: t.containerId };
    }
  }
  const err = typeof topic === 'string' ? RangeError : TypeError;
  throw new err(`Expected \`topic\` to be ${EXPECTED}, got ${describe(topic)}`);
}

// The public, frozen form of a normalized topic (what `subscription.topic` shows).
export function publicTopic(t: NormalizedTopic): Topic {
  switch (t.kind) {
    case 'onePid':
      return Object.freeze({ pid: t.pid });
    case 'oneExec':
      return Object.freeze(t.containerId === undefined ? { execId: t.execId } : { execId: t.execId, containerId: t.containerId });
    default:
      return t.kind;
  }
}
