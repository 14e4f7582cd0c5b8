// How many probes the exit-latency scenario runs per profile.
import type { Profile } from '../lib/types.js';

export interface LatencySizes {
  /** Unmeasured rounds first (JIT, page cache, first spawn of each binary). */
  warmups: number;
  /** Measured rounds; each runs every subject once, rotating who goes first. */
  rounds: number;
  /** Probes per subject per round. */
  perRound: number;
}

const SIZES: Record<Profile, LatencySizes> = {
  tiny: { warmups: 1, rounds: 1, perRound: 8 },
  quick: { warmups: 1, rounds: 8, perRound: 50 },
  full: { warmups: 1, rounds: 20, perRound: 100 },
};

// The sizes of one profile.
export function latencySizes(profile: Profile): LatencySizes {
  return SIZES[profile];
}
