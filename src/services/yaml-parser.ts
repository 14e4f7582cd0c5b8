// The YAML parser of ServiceManager.load, built on its own into dist/yaml.cjs:
// the maintained `yaml` package, bundled and minified (about 100 kB), so a
// project that installs exitmon installs no YAML dependency (1.4 MB as a
// package) and loads this file only when it reads a YAML services file.
// parseDocument and its helpers name both lines of a key given twice.
export { isScalar, LineCounter, parse, parseDocument, visit } from 'yaml';
