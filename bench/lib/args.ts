// Command line of bench/run.ts:
//   npm run bench                 every scenario, quick profile
//   npm run bench -- --full       every scenario, long profile
//   npm run bench -- NAME…        only these scenarios
//   npm run bench -- --docs       only regenerate docs/benchmarks.md from bench/results
import type { Profile } from './types.js';

export interface RunArgs {
  profile: Profile;
  names: string[];
  docsOnly: boolean;
  /** Internal: run one scenario in this process (the runner isolates each in a child). */
  child: boolean;
}

// Parses process.argv.slice(2); throws RangeError on an unknown flag.
export function parseArgs(argv: readonly string[]): RunArgs {
  const args: RunArgs = { profile: 'quick', names: [], docsOnly: false, child: false };
  for (const arg of argv) {
    if (arg === '--full') args.profile = 'full';
    else if (arg === '--quick') args.profile = 'quick';
    else if (arg === '--tiny') args.profile = 'tiny';
    else if (arg === '--docs') args.docsOnly = true;
    else if (arg === '--child') args.child = true;
    else if (arg.startsWith('-')) throw new RangeError(`Expected --full, --quick, --tiny, --docs or a scenario name, got \`${arg}\``);
    else args.names.push(arg);
  }
  return args;
}

// The command that reproduces a record, for the docs.
export function commandFor(name: string, profile: Profile): string {
  const flag = profile === 'quick' ? '' : ` --${profile}`;
  return `npm run bench --${flag} ${name}`;
}
