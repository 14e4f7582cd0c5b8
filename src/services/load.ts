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

type YamlParse = typeof import('yaml').parse;

// The YAML parser, loaded on first use (importing exitmon should not cost
// one): dist/yaml.cjs in the package (the library build sits next to it, the
// CLI's chunks one folder down), else the `yaml` devDependency (this
// repository's own tests run the sources).
async function yamlParser(): Promise<YamlParse> {
  const require = createRequire(import.meta.url);
  for (const bundled of ['./yaml.cjs', '../yaml.cjs']) {
    try {
      return (require(bundled) as { parse: YamlParse }).parse;
    } catch (error) {
      // Not this layout; a bundle that is there but fails to load is a fault to report.
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return (await import('yaml')).parse;
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
  try {
    // JSON through the YAML parser too (JSON is YAML 1.2): JSON.parse keeps
    // the last of two equal keys without a word, where YAML reports them.
    // `<<` merge keys as compose files use them.
    const parse = await yamlParser();
    return parse(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  } catch (error) {
    throw new ServiceConfigError([{ service: undefined, key: '', message: `cannot parse: ${parseErrorText(error, text)}` }], file, { cause: error });
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
