// pino for the CLI's logger, built on its own into dist/pino.cjs (bundled and
// minified, next to dist/yaml.cjs): the CLI's chunks then hold no copy of it,
// so a quiet `exitmon run`, which never writes a log record, does not even
// parse it at start-up (docs/benchmarks.md, start-up).
export { pino } from 'pino';
