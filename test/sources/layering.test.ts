// Issue 10: the folders import only downward. sources/ and proc/ never import
// process/ (the old folder cycle: sources/ took /proc helpers from process/
// while process/ imported sources/), and proc/ imports nothing of exitmon but core/.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

// Every relative import of the .ts files in src/<folder>, resolved to a folder name.
function importedFolders(folder: string): string[] {
  const found: string[] = [];
  for (const file of readdirSync(join(SRC, folder))) {
    if (!file.endsWith('.ts')) continue;
    const text = readFileSync(join(SRC, folder, file), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/g)) {
      const target = join(SRC, folder, m[1]!);
      found.push(`${file} -> ${target.slice(SRC.length + 1).split('/')[0]}`);
    }
  }
  return found;
}

describe('layering of src/', () => {
  it('sources/ imports nothing from process/, services/ or cli/', () => {
    expect(importedFolders('sources').filter((edge) => /-> (process|services|cli)$/.test(edge))).toEqual([]);
  });

  it('proc/ imports only core/ and itself: it is the lowest layer above core', () => {
    expect(importedFolders('proc').filter((edge) => !/-> (core|proc)$/.test(edge))).toEqual([]);
  });

  it('process/ reads /proc only through proc/ (no readFileSync of /proc outside src/proc)', () => {
    const offenders: string[] = [];
    for (const folder of ['sources', 'process']) {
      for (const file of readdirSync(join(SRC, folder))) {
        const text = readFileSync(join(SRC, folder, file), 'utf8');
        if (/['"`]\/proc\//.test(text)) offenders.push(`${folder}/${file}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
