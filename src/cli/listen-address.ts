// `--metrics [HOST:]PORT`: where the metrics server listens. Loopback unless a
// host is given, because metrics reveal what runs in the container and an
// unauthenticated endpoint should not face the network by accident.

/** The host the metrics server binds to when none is given. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** A parsed listen address. */
export interface ListenAddress {
  readonly host: string;
  /** 0 lets the kernel pick a free port (the bound one is logged). */
  readonly port: number;
}

const MAX_PORT = 65_535;

/**
 * Parses `PORT`, `HOST:PORT` or `[IPV6]:PORT`; undefined when malformed.
 * @example parseListenAddress('9464')          // { host: '127.0.0.1', port: 9464 }
 * @example parseListenAddress('0.0.0.0:9464')  // { host: '0.0.0.0', port: 9464 }
 * @example parseListenAddress('[::1]:0')       // { host: '::1', port: 0 }
 */
export function parseListenAddress(text: string): ListenAddress | undefined {
  let host = DEFAULT_METRICS_HOST;
  let portText = text;
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(text);
  if (bracketed !== null) {
    host = bracketed[1]!;
    portText = bracketed[2]!;
  } else if (text.includes(':')) {
    const colon = text.lastIndexOf(':');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    // An unbracketed IPv6 address is ambiguous (`::1:9464`): insist on brackets.
    if (host.includes(':') || host.length === 0) return undefined;
  }
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > MAX_PORT) return undefined;
  return { host, port };
}

// `host:port` for logs and URLs, bracketing IPv6 addresses.
export function formatListenAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
