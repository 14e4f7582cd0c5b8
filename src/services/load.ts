// Reading a services file: YAML through the `yaml` package (YAML 1.2, so
// `restart: no` stays the string "no"), JSON too, whatever the extension.
// node:fs, not node:fs/promises: the latter loads readline and the REPL's
// history module with it, at every start of the CLI (docs/benchmarks.md).
import { existsSync, readFile } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ServiceConfigError } from './errors.js';

/** The files `exitmon up` looks for, in this order, when no `-f` is given. */
export const DEFAULT_SERVICE_FILES: readonly string[] = ['exitmon.yaml', 'exitmon.yml', 'exitmon.json'];

/** The first default services file present in `dir`, or undefined. */
export function findServicesFile(dir = process.cwd()): string | undefined {
  return servicesFilesIn(dir)[0];
}

/** Every default services file present in `dir`, in the order they are looked for. */
export function servicesFilesIn(dir = process.cwd()): string[] {
  return DEFAULT_SERVICE_FILES.map((name) => join(dir, name)).filter((path) => existsSync(path));
}

type Yaml = Pick<typeof import('yaml'), 'isScalar' | 'LineCounter' | 'parse' | 'parseDocument' | 'visit'>;

// The YAML parser, loaded on first use (importing exitmon should not cost
// one): dist/yaml.cjs in the package (the library build sits next to it, the
// CLI's chunks one folder down), else the `yaml` devDependency (this
// repository's own tests run the sources).
async function yamlParser(): Promise<Yaml> {
  const require = createRequire(import.meta.url);
  for (const bundled of ['./yaml.cjs', '../yaml.cjs']) {
    try {
      return require(bundled) as Yaml;
    } catch (error) {
      // Not this layout; a bundle that is there but fails to load is a fault to report.
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return await import('yaml');
}

/**
 * Reads and parses a services file (not yet validated).
 * @throws ServiceConfigError when it cannot be read or parsed (with the line, for YAML)
 */
export async function readServicesFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await new Promise<string>((resolve, reject) => readFile(file, 'utf8', (error, data) => (error === null ? resolve(data) : reject(error))));
  } catch (error) {
    throw new ServiceConfigError([{ service: undefined, key: '', message: `cannot read: ${(error as Error).message}` }], file, { cause: error });
  }
  // A byte-order mark is no content (editors on Windows write one).
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  let yaml: Yaml | undefined;
  try {
    // JSON through the YAML parser too (JSON is YAML 1.2): JSON.parse keeps
    // the last of two equal keys without a word, where YAML reports them.
    // `<<` merge keys as compose files use them.
    yaml = await yamlParser();
    return yaml.parse(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  } catch (error) {
    const twice = yaml !== undefined && (error as { code?: unknown }).code === 'DUPLICATE_KEY' ? keyGivenTwice(yaml, text) : undefined;
    const message = twice === undefined ? parseErrorText(error, text) : `key \`${twice.key}\` given twice in one map, at lines ${twice.lines[0]} and ${twice.lines[1]}`;
    throw new ServiceConfigError([{ service: undefined, key: '', message: `cannot parse: ${message}` }], file, { cause: error });
  }
}

// "Map keys must be unique at line 4, column 5" and that line, instead of
// the parser's first line, which ends in a colon before its code frame.
function parseErrorText(error: unknown, text: string): string {
  const message = ((error as Error).message.split('\n')[0] ?? String(error)).replace(/:$/, '');
  const line = (error as { linePos?: readonly { line: number }[] }).linePos?.[0]?.line;
  const source = line === undefined ? undefined : text.split('\n')[line - 1]?.trim();
  return source === undefined || source === '' ? message : `${message}: \`${source}\``;
}

// The first key given twice in one map, with the lines of both: the parser
// names only the second, and a reader needs both to pick one. Parsed again
// leniently, only once the strict parse failed.
function keyGivenTwice(yaml: Yaml, text: string): { key: string; lines: [number, number] } | undefined {
  const lineCounter = new yaml.LineCounter();
  const document = yaml.parseDocument(text, { uniqueKeys: false, lineCounter });
  let found: { key: string; lines: [number, number] } | undefined;
  yaml.visit(document, {
    Map(_key, map) {
      const seen = new Map<string, number>();
      for (const { key } of map.items) {
        if (!yaml.isScalar(key) || key.range == null) continue;
        const name = String(key.value);
        const line = lineCounter.linePos(key.range[0]).line;
        const first = seen.get(name);
        if (first !== undefined) {
          found = { key: name, lines: [first, line] };
          return yaml.visit.BREAK;
        }
        seen.set(name, line);
      }
      return undefined;
    },
  });
  return found;
}
