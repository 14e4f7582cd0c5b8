// An independent zombie count: scans /proc/*/stat itself (not exitmon's scan)
// for state Z with the given parent. The state is the field after the last
// ')' (the command name may contain one).
import { readdirSync, readFileSync } from 'node:fs';

// The pids of zombies whose parent is `parent`.
export function zombiesOf(parent: number): number[] {
  const zombies: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue; // gone meanwhile
    }
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' && Number(fields[1]) === parent) zombies.push(Number(name));
  }
  return zombies;
}
