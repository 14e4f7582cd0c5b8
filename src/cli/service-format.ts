// Service event lines of `exitmon up`: one JSON object per line (exactly the
// ServiceEvent), or a short text line for people. Written whole, one write().
import type { ServiceEvent } from '../index.js';
import type { OutputFormat } from './args.js';
import { ANSI, visible } from './format.js';
import { writeOut } from './stdio.js';

const EVENT_COLOR: Partial<Record<ServiceEvent['event'], string>> = { ready: ANSI.green, failed: ANSI.red, restarting: ANSI.yellow, exited: ANSI.yellow };

// `service=web ready      pid=4242 restarts=0`
export function formatServiceEventPretty(event: ServiceEvent, nameWidth: number, color = false): string {
  const name = event.service.padEnd(nameWidth);
  const what = event.event.padEnd('restarting'.length);
  const painted = color && EVENT_COLOR[event.event] !== undefined ? `${EVENT_COLOR[event.event]}${what}${ANSI.reset}` : what;
  const parts = [name, painted];
  if (event.pid !== undefined) parts.push(`pid=${event.pid}`);
  if (event.status !== undefined) parts.push(`status=${event.status}`);
  if (event.delayMs !== undefined) parts.push(`in=${event.delayMs}ms`);
  parts.push(`restarts=${event.restarts}`);
  // A reason quotes what the user wrote (a command that cannot start): never raw.
  if (event.reason !== undefined) parts.push(`(${visible(event.reason)})`);
  return parts.join(' ');
}

/** Prints service events in one format to stdout. */
export class ServiceEventPrinter {
  readonly #format: OutputFormat;
  readonly #nameWidth: number;
  readonly #color: boolean;
  readonly #write: (line: string) => void;

  constructor(format: OutputFormat, names: readonly string[], options: { color?: boolean; write?: (line: string) => void } = {}) {
    this.#format = format;
    this.#nameWidth = Math.max(0, ...names.map((n) => n.length));
    this.#color = options.color ?? false;
    this.#write = options.write ?? writeOut;
  }

  print(event: ServiceEvent): void {
    this.#write(`${this.#format === 'json' ? JSON.stringify(event) : formatServiceEventPretty(event, this.#nameWidth, this.#color)}\n`);
  }
}
