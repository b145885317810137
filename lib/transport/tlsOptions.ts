/**
 * TLS settings for the Client (paho's tls_set / tls_set_context / tls_insecure_set) and the
 * one place that turns them into Node's tls.connect options and Node's TLS errors into
 * errors that say what failed.
 *
 * What is verified:
 * - by default, the broker's certificate chain (against the system CAs, or `caCerts`) AND the
 *   host name;
 * - `tlsInsecureSet(true)` skips the host-name check ONLY: the chain is still verified;
 * - `certReqs: CERT_NONE` turns verification off completely (chain and host name), without error.
 *
 * Files are read when tlsSet() is called, and the secure context is built then, so a missing
 * file, a wrong key password or an unknown cipher is a ValueError at the call (as paho's
 * tls_set raises at the call), not a failure at every connect. With `reloadOnReconnect` they
 * are read again for each connection attempt (reloadedTlsSettings()): a rotated certificate is
 * picked up without a restart, and a file unreadable then fails that attempt with a TLSError
 * (the old contents are never used instead). Key material and passwords never appear in
 * errors or logs.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { MQTT_ERR_TLS } from '../constants';
import { closestName } from '../closestName';
import { ValueError } from '../errors';

/** certReqs: no verification of the broker's certificate at all (Python's ssl.CERT_NONE). */
export const CERT_NONE = 0;
/** certReqs: for a client, the same as CERT_REQUIRED (Python's ssl.CERT_OPTIONAL). */
export const CERT_OPTIONAL = 1;
/** certReqs: the broker must present a certificate that verifies (the default; ssl.CERT_REQUIRED). */
export const CERT_REQUIRED = 2;

/** tlsSet()'s options: paho's tls_set() arguments, camelCased. Every key optional; null means absent. */
export interface TlsSetOptions {
  /**
   * The CA certificate(s) to trust instead of the system ones: a path to a PEM file, or the
   * PEM text itself (a string starting with `-----BEGIN` or a Buffer). Absent: the system CAs.
   */
  caCerts?: string | Buffer | null;
  /** Path to the client certificate (PEM), for brokers that authenticate clients by certificate. */
  certfile?: string | null;
  /** Path to the client private key (PEM). Absent with `certfile`: the key is read from `certfile`. */
  keyfile?: string | null;
  /** Password of an encrypted `keyfile`. */
  keyfilePassword?: string | null;
  /** CERT_REQUIRED (default), CERT_OPTIONAL (the same for a client) or CERT_NONE (no verification at all). */
  certReqs?: number | null;
  /** The lowest TLS version to accept: 'TLSv1.2' (default) or 'TLSv1.3'. */
  tlsVersion?: 'TLSv1.2' | 'TLSv1.3' | null;
  /** OpenSSL cipher list (TLS 1.2 and below), e.g. 'ECDHE-ECDSA-AES128-GCM-SHA256'. */
  ciphers?: string | null;
  /** ALPN protocol names to offer, in order of preference (e.g. ['x-amzn-mqtt-ca']). */
  alpnProtocols?: string[] | null;
  /**
   * Read `caCerts`, `certfile` and `keyfile` again for each connection attempt (the first connect
   * and every reconnect), so rotated certificates are used without a restart (default false:
   * read once, here). They are still read and checked at tlsSet(); a file missing or unreadable
   * at an attempt fails that attempt with a TLSError (rc MQTT_ERR_TLS), and the client keeps
   * retrying as after any failed attempt.
   */
  reloadOnReconnect?: boolean | null;
}

/** What the Client stores once TLS is configured. */
export interface TlsSettings {
  /** Built by tlsSet() (trust store, client certificate, ciphers, minimum version), or given to tlsSetContext(). */
  secureContext?: tls.SecureContext;
  /** tls.ConnectionOptions given to tlsSetContext(); ours are applied over them. */
  options: tls.ConnectionOptions;
  /** false with certReqs CERT_NONE: neither the chain nor the host name is verified. */
  verify: boolean;
  /** true after tlsInsecureSet(true) (or with CERT_NONE): the host-name check is skipped. */
  insecure: boolean;
  alpnProtocols?: string[];
  /** reloadOnReconnect: the options to read the files again from at each attempt; absent: read once. */
  reload?: TlsSetOptions;
}

const TLS_SET_KEYS = new Set([
  'caCerts', 'certfile', 'keyfile', 'keyfilePassword', 'certReqs', 'tlsVersion', 'ciphers', 'alpnProtocols',
  'reloadOnReconnect',
]);

function absent(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

function readFile(path: unknown, argName: string): Buffer {
  if (typeof path !== 'string' || path === '') throw new ValueError(`${argName}: must be a path to a PEM file, got ${typeof path === 'string' ? "''" : typeof path}`);
  try {
    return fs.readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ValueError(`${argName}: cannot read '${path}': ${err.code ?? err.message}`, { cause: e });
  }
}

const PEM_CERT = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----[\s\S]+?-----END (?:TRUSTED )?CERTIFICATE-----/g;

/** The CA certificates from caCerts (path, PEM string or Buffer), checked to hold at least one certificate. */
function readCaCerts(caCerts: unknown): Buffer {
  let pem: Buffer;
  let what: string;
  if (Buffer.isBuffer(caCerts)) {
    pem = caCerts;
    what = 'the Buffer';
  } else if (typeof caCerts === 'string' && caCerts.trimStart().startsWith('-----BEGIN')) {
    pem = Buffer.from(caCerts);
    what = 'the PEM text';
  } else {
    pem = readFile(caCerts, 'caCerts');
    what = `'${caCerts as string}'`;
  }
  // Node ignores unparsable CA entries silently (the connection would then fail with
  // "unknown CA"): check here, at the call.
  const blocks = pem.toString('latin1').match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new ValueError(`caCerts: ${what} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const block of blocks) {
    try {
      new crypto.X509Certificate(block.replace(/TRUSTED CERTIFICATE/g, 'CERTIFICATE'));
    } catch (e) {
      throw new ValueError(`caCerts: ${what} holds a certificate that does not parse: ${(e as Error).message}`, { cause: e });
    }
  }
  return pem;
}

/** Builds a secure context, turning OpenSSL's complaint into a ValueError naming `argName`. */
function trySecureContext(opts: tls.SecureContextOptions, argName: string): tls.SecureContext {
  try {
    return tls.createSecureContext(opts);
  } catch (e) {
    const err = e as Error & { reason?: string; code?: string };
    throw new ValueError(`${argName}: ${err.reason ?? err.message}${err.code ? ` (${err.code})` : ''}`, { cause: e });
  }
}

/**
 * Validates tlsSet()'s options, reads the files and builds the secure context. Throws
 * ValueError naming the argument; nothing is kept when it throws.
 */
export function tlsSettingsFrom(args?: TlsSetOptions | null): TlsSettings {
  const a = (args ?? {}) as Record<string, unknown>;
  if (typeof a !== 'object' || Array.isArray(a)) throw new ValueError(`options: must be an object, got ${typeof a}`);
  for (const key of Object.keys(a)) {
    if (TLS_SET_KEYS.has(key)) continue;
    // paho's snake_case names (ca_certs, ...) and typos get the known name.
    const hint = closestName(key, TLS_SET_KEYS);
    throw new ValueError(`${key}: not a tlsSet() option${hint ? ` (did you mean ${hint}?)` : ''}; options are ${[...TLS_SET_KEYS].join(', ')}`);
  }

  const certReqs = absent(a.certReqs) ? CERT_REQUIRED : a.certReqs;
  if (certReqs !== CERT_NONE && certReqs !== CERT_OPTIONAL && certReqs !== CERT_REQUIRED) {
    throw new ValueError(`certReqs: must be CERT_NONE (0), CERT_OPTIONAL (1) or CERT_REQUIRED (2), got ${String(certReqs)}`);
  }
  const tlsVersion = absent(a.tlsVersion) ? 'TLSv1.2' : a.tlsVersion;
  if (tlsVersion !== 'TLSv1.2' && tlsVersion !== 'TLSv1.3') {
    throw new ValueError(`tlsVersion: must be 'TLSv1.2' or 'TLSv1.3' (the lowest version accepted), got ${String(tlsVersion)}`);
  }
  if (!absent(a.ciphers) && (typeof a.ciphers !== 'string' || a.ciphers === '')) {
    throw new ValueError('ciphers: must be a non-empty OpenSSL cipher list string');
  }
  if (!absent(a.keyfilePassword) && typeof a.keyfilePassword !== 'string') {
    throw new ValueError(`keyfilePassword: must be a string, got ${typeof a.keyfilePassword}`);
  }
  let alpnProtocols: string[] | undefined;
  if (!absent(a.alpnProtocols)) {
    const list = a.alpnProtocols;
    if (!Array.isArray(list) || list.length === 0 || !list.every((p) => typeof p === 'string' && p.length > 0 && Buffer.byteLength(p) < 256)) {
      throw new ValueError('alpnProtocols: must be a non-empty list of protocol names (strings of 1 to 255 bytes)');
    }
    alpnProtocols = [...list] as string[];
  }
  if (!absent(a.keyfile) && absent(a.certfile)) throw new ValueError('certfile: required when keyfile is given');
  if (!absent(a.reloadOnReconnect) && typeof a.reloadOnReconnect !== 'boolean') {
    throw new ValueError(`reloadOnReconnect: must be true or false, got ${typeof a.reloadOnReconnect}`);
  }

  const base: tls.SecureContextOptions = { minVersion: tlsVersion };
  if (!absent(a.ciphers)) base.ciphers = a.ciphers as string;
  trySecureContext(base, 'ciphers');

  const full: tls.SecureContextOptions = { ...base };
  if (!absent(a.caCerts)) full.ca = readCaCerts(a.caCerts);
  if (!absent(a.certfile)) {
    const cert = readFile(a.certfile, 'certfile');
    if (absent(a.keyfile) && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(cert.toString('latin1'))) {
      throw new ValueError('keyfile: certfile holds no private key; give keyfile');
    }
    const key = absent(a.keyfile) ? cert : readFile(a.keyfile, 'keyfile');
    const pair: tls.SecureContextOptions = { cert, key };
    if (!absent(a.keyfilePassword)) pair.passphrase = a.keyfilePassword as string;
    // Attribute OpenSSL's complaint to the argument that caused it.
    try {
      tls.createSecureContext(pair);
    } catch (e) {
      const err = e as Error & { reason?: string; code?: string };
      const reason = `${err.reason ?? err.message}${err.code ? ` (${err.code})` : ''}`;
      if (/bad decrypt|bad password|interrupted or cancelled/i.test(reason)) {
        throw new ValueError(absent(a.keyfilePassword)
          ? `keyfilePassword: the private key is encrypted and no keyfilePassword was given (${reason})`
          : `keyfilePassword: cannot decrypt the private key with it (${reason})`, { cause: e });
      }
      if (/key values mismatch/i.test(reason)) throw new ValueError(`keyfile: the private key does not match the certificate in certfile (${reason})`, { cause: e });
      throw new ValueError(`certfile: cannot load the certificate and key: ${reason}`, { cause: e });
    }
    Object.assign(full, pair);
  }
  const secureContext = trySecureContext(full, 'caCerts');
  const verify = certReqs !== CERT_NONE;
  const settings: TlsSettings = { secureContext, options: {}, verify, insecure: !verify, alpnProtocols };
  if (a.reloadOnReconnect === true) settings.reload = { ...(a as TlsSetOptions), alpnProtocols };
  return settings;
}

/**
 * reloadOnReconnect: `settings` with a secure context built from the files as they are now
 * (tlsInsecureSet()'s choice kept). A file that cannot be read or loaded any more is a
 * TLSError (rc MQTT_ERR_TLS) that names it, for this attempt to fail with.
 */
export function reloadedTlsSettings(settings: TlsSettings): TlsSettings {
  let fresh: TlsSettings;
  try {
    fresh = tlsSettingsFrom(settings.reload);
  } catch (e) {
    throw new TLSError(`TLS files could not be read again for this connection attempt (reloadOnReconnect): ${(e as Error).message}`, 'ERR_TLS_RELOAD', e);
  }
  return { ...settings, secureContext: fresh.secureContext };
}

const SecureContextClass = (tls as unknown as { SecureContext?: new (...args: unknown[]) => tls.SecureContext }).SecureContext;

export function isSecureContext(ctx: unknown): ctx is tls.SecureContext {
  if (ctx === null || typeof ctx !== 'object') return false;
  if (SecureContextClass !== undefined && ctx instanceof SecureContextClass) return true;
  return (ctx as { constructor?: { name?: string } }).constructor?.name === 'SecureContext' && 'context' in ctx;
}

/**
 * tlsSetContext(): a tls.SecureContext (from tls.createSecureContext), or tls.ConnectionOptions
 * (ca, cert, key, rejectUnauthorized, checkServerIdentity, ...). Absent: a default context
 * (system CAs, chain and host name verified), as paho's ssl.create_default_context().
 */
export function tlsSettingsFromContext(ctx: tls.SecureContext | tls.ConnectionOptions | null | undefined): TlsSettings {
  if (absent(ctx)) return { secureContext: tls.createSecureContext(), options: {}, verify: true, insecure: false };
  if (isSecureContext(ctx)) return { secureContext: ctx, options: {}, verify: true, insecure: false };
  if (typeof ctx !== 'object' || Array.isArray(ctx)) {
    throw new ValueError(`context: must be a tls.SecureContext or tls.ConnectionOptions, got ${Array.isArray(ctx) ? 'an array' : typeof ctx}`);
  }
  const options = { ...(ctx as tls.ConnectionOptions) };
  const verify = options.rejectUnauthorized !== false;
  return { options, verify, insecure: !verify };
}

/**
 * The tls.connect options for one connection to `host`: SNI set to the host name (not for an IP
 * address, which TLS forbids), the host name checked unless tlsInsecureSet(true), nothing
 * checked with CERT_NONE.
 */
export function buildTlsConnectOptions(settings: TlsSettings, host: string): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = { ...settings.options };
  if (settings.secureContext !== undefined) o.secureContext = settings.secureContext;
  if (!settings.verify) {
    o.rejectUnauthorized = false;
  } else {
    o.rejectUnauthorized = true;
    if (settings.insecure) o.checkServerIdentity = () => undefined;
  }
  if (settings.alpnProtocols !== undefined) o.ALPNProtocols = settings.alpnProtocols;
  if (o.servername === undefined && net.isIP(host) === 0) o.servername = host;
  return o;
}

// ---- errors ------------------------------------------------------------------------------------

/** A TLS failure: `rc` MQTT_ERR_TLS, Node's `code` kept, Node's error as `cause`. */
export class TLSError extends Error {
  /** Always MQTT_ERR_TLS. */
  readonly rc = MQTT_ERR_TLS;
  /** Node's error code (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, ...), when it had one. */
  readonly code: string | undefined;
  /** Wraps Node's TLS error (`cause`). */
  constructor(message: string, code: string | undefined, cause: unknown) {
    super(message, { cause });
    this.name = 'TLSError';
    this.code = code;
  }
}

const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED', 'INVALID_CA',
  'CERT_SIGNATURE_FAILURE', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'CERT_REJECTED', 'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
]);
const CERT_CODES = new Set([
  ...UNKNOWN_CA, 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD', 'UNABLE_TO_GET_CRL', 'CRL_HAS_EXPIRED',
  'HOSTNAME_MISMATCH', 'IP_ADDRESS_MISMATCH',
]);

/** True for errors that come from TLS itself (certificate checks, alerts, OpenSSL), not from TCP. */
export function isTlsError(err: unknown): boolean {
  if (err instanceof TLSError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return CERT_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO';
}

/** What an OpenSSL alert from the broker means, by Node's code for it. */
const ALERTS: Record<string, string> = {
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'the broker requires a client certificate (tlsSet({ certfile, keyfile }))',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE:
    'the broker refused the handshake (it may require a client certificate, or share no TLS version or cipher with us)',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'the broker does not trust our client certificate (unknown CA)',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'the broker rejected our client certificate (bad certificate)',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'the broker rejected our client certificate: it has expired',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'the broker does not accept our TLS version (see tlsVersion)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server did not answer with TLS (wrong version number): is this a TLS port?',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'no TLS version acceptable to both sides (see tlsVersion)',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'no TLS version acceptable to both sides (see tlsVersion)',
  ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL: 'the broker accepts none of the ALPN protocols offered (alpnProtocols)',
};

/** OpenSSL's messages carry a hex prefix and source paths: keep the reason words. */
function detail(err: Error & { reason?: unknown }): string {
  if (typeof err.reason === 'string' && err.reason !== '') return err.reason;
  return err.message.trim();
}

/**
 * Wraps a Node TLS error (or a failure during the TLS handshake) into a TLSError whose message
 * says what failed in words, with Node's code at the end: unknown CA, host name mismatch,
 * expired certificate, or handshake failure.
 */
export function tlsError(err: unknown): TLSError {
  if (err instanceof TLSError) return err;
  // Duck-typed, not `instanceof Error`: errors from Node's core can come from another realm (jest, vm).
  const e: Error & { code?: unknown; reason?: unknown } =
    err !== null && typeof err === 'object' && typeof (err as Error).message === 'string' ? (err as Error) : new Error(String(err));
  const code = typeof e.code === 'string' ? e.code : undefined;
  const why = detail(e);
  const tail = code !== undefined && !why.includes(code) ? ` [${code}]` : '';
  let text: string;
  if (code !== undefined && UNKNOWN_CA.has(code)) {
    text = `TLS certificate verification failed, unknown CA: the broker's certificate is not signed by a trusted CA ` +
      `(${why}); give the broker's CA with tlsSet({ caCerts })`;
  } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH' || code === 'IP_ADDRESS_MISMATCH') {
    text = `TLS certificate verification failed, host name mismatch: ${why}; connect with a name the certificate ` +
      `lists (tlsInsecureSet(true) skips this check only)`;
  } else if (code === 'CERT_HAS_EXPIRED') {
    text = `TLS certificate verification failed: the broker's certificate has expired (${why})`;
  } else if (code === 'CERT_NOT_YET_VALID') {
    text = `TLS certificate verification failed: the broker's certificate is not valid yet (${why}; check the clock)`;
  } else if (code !== undefined && CERT_CODES.has(code)) {
    text = `TLS certificate verification failed: ${why}`;
  } else if (code !== undefined && ALERTS[code] !== undefined) {
    text = `TLS handshake failed: ${ALERTS[code]} (${why})`;
  } else if (code === 'ECONNRESET' || code === 'EPIPE') {
    text = `TLS handshake failed: the connection was closed during the handshake (${why}); is this a TLS port?`;
  } else {
    text = `TLS handshake failed: ${why}`;
  }
  return new TLSError(text + tail, code, err);
}

/**
 * tlsError(), handed to `reporter` (the Client's MQTT_LOG_ERR line) before it is reported. A
 * failing reporter must not change what the caller sees.
 */
export function reportTlsError(err: unknown, reporter: ((err: Error) => void) | undefined): TLSError {
  const wrapped = tlsError(err);
  try {
    reporter?.(wrapped);
  } catch {
    /* ignored: see above */
  }
  return wrapped;
}
