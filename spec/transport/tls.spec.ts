/*
 * TLS: tlsSet()'s argument checks, the tls.connect options built from them, the words
 * tlsError() puts on each failure, and TlsTransport against local Node TLS servers (no broker):
 * verified connect, unknown CA, host name mismatch (and tlsInsecureSet), expired certificate,
 * non-TLS peers, handshake timeout, a client-certificate demand after the handshake (TLS 1.3).
 */
import { once } from 'events';
import * as fs from 'fs';
import * as net from 'net';
import * as tls from 'tls';
import { CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED, MQTT_ERR_TLS, TLSError, ValueError } from '../../lib';
import { TlsTransport } from '../../lib/transport/tls';
import {
  buildTlsConnectOptions, isTlsError, tlsError, TlsSettings, tlsSettingsFrom, tlsSettingsFromContext,
} from '../../lib/transport/tlsOptions';
import type { TransportHandlers } from '../../lib/transport/types';
import { freePort } from '../support/ports';
import { watchReads } from './directRead';
import { makeTestCerts, TestCerts } from './tlsFixtures';

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs?.cleanup());

function valueError(fn: () => unknown): ValueError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValueError);
    return e as ValueError;
  }
  throw new Error('expected a ValueError');
}

describe('tlsSettingsFrom (tlsSet arguments)', () => {
  it('defaults: verify chain and host name, a built secure context, no ALPN', () => {
    const s = tlsSettingsFrom(undefined);
    expect(s.verify).toBe(true);
    expect(s.insecure).toBe(false);
    expect(s.secureContext).toBeDefined();
    expect(s.alpnProtocols).toBeUndefined();
    expect(tlsSettingsFrom({}).verify).toBe(true);
  });

  it('paho constants have ssl module values; CERT_OPTIONAL verifies like CERT_REQUIRED', () => {
    expect([CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED]).toEqual([0, 1, 2]);
    expect(tlsSettingsFrom({ certReqs: CERT_OPTIONAL }).verify).toBe(true);
    expect(tlsSettingsFrom({ certReqs: CERT_REQUIRED }).verify).toBe(true);
  });

  it('certReqs CERT_NONE: no verification at all, and no error (paho#123)', () => {
    const s = tlsSettingsFrom({ certReqs: CERT_NONE });
    expect(s).toMatchObject({ verify: false, insecure: true });
  });

  it('accepts caCerts as a path, as PEM text and as a Buffer; null means absent (ported None)', () => {
    expect(() => tlsSettingsFrom({ caCerts: certs.caFile })).not.toThrow();
    expect(() => tlsSettingsFrom({ caCerts: certs.caPem })).not.toThrow();
    expect(() => tlsSettingsFrom({ caCerts: Buffer.from(certs.caPem) })).not.toThrow();
    expect(() => tlsSettingsFrom({ caCerts: null, certfile: null, keyfile: null, ciphers: null, tlsVersion: null })).not.toThrow();
  });

  it('reads files at the call: a missing file is a ValueError naming the argument', () => {
    expect(valueError(() => tlsSettingsFrom({ caCerts: '/nonexistent/ca.crt' })).message)
      .toBe("caCerts: cannot read '/nonexistent/ca.crt': ENOENT");
    expect(valueError(() => tlsSettingsFrom({ certfile: '/nonexistent/c.crt' })).message).toMatch(/^certfile: cannot read/);
    expect(valueError(() => tlsSettingsFrom({ certfile: certs.clientCertFile, keyfile: '/nonexistent/c.key' })).message)
      .toMatch(/^keyfile: cannot read/);
  });

  it('a caCerts file without a certificate is refused at the call (Node would ignore it silently)', () => {
    expect(valueError(() => tlsSettingsFrom({ caCerts: certs.clientKeyFile })).message)
      .toBe(`caCerts: '${certs.clientKeyFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  });

  it('client certificate: key mismatch, missing key, wrong or missing password are ValueErrors naming the argument, never showing the password', () => {
    expect(() => tlsSettingsFrom({ certfile: certs.clientCertFile, keyfile: certs.clientKeyFile })).not.toThrow();
    expect(valueError(() => tlsSettingsFrom({ keyfile: certs.clientKeyFile })).message).toBe('certfile: required when keyfile is given');
    expect(valueError(() => tlsSettingsFrom({ certfile: certs.clientCertFile, keyfile: certs.serverKeyFile })).message)
      .toMatch(/^keyfile: the private key does not match the certificate in certfile/);
    expect(valueError(() => tlsSettingsFrom({ certfile: certs.clientCertFile })).message).toMatch(/^keyfile: certfile holds no private key/);
    const wrong = valueError(() => tlsSettingsFrom({
      certfile: certs.clientCertFile, keyfile: certs.encryptedClientKeyFile, keyfilePassword: 'not the password',
    }));
    expect(wrong.message).toMatch(/^keyfilePassword: cannot decrypt the private key with it \(bad decrypt/);
    expect(wrong.message).not.toContain('not the password');
    expect(valueError(() => tlsSettingsFrom({ certfile: certs.clientCertFile, keyfile: certs.encryptedClientKeyFile })).message)
      .toMatch(/^keyfilePassword: the private key is encrypted and no keyfilePassword was given/);
    expect(() => tlsSettingsFrom({
      certfile: certs.clientCertFile, keyfile: certs.encryptedClientKeyFile, keyfilePassword: certs.encryptedKeyPassword,
    })).not.toThrow();
  });

  it('checks certReqs, tlsVersion, ciphers, alpnProtocols and unknown (paho-named) options', () => {
    expect(valueError(() => tlsSettingsFrom({ certReqs: 5 })).message)
      .toBe('certReqs: must be CERT_NONE (0), CERT_OPTIONAL (1) or CERT_REQUIRED (2), got 5');
    expect(valueError(() => tlsSettingsFrom({ tlsVersion: 'TLSv1' as never })).message)
      .toBe("tlsVersion: must be 'TLSv1.2' or 'TLSv1.3' (the lowest version accepted), got TLSv1");
    expect(valueError(() => tlsSettingsFrom({ ciphers: 'NO-SUCH-CIPHER' })).message).toMatch(/^ciphers: no cipher match/);
    expect(valueError(() => tlsSettingsFrom({ alpnProtocols: [] })).message).toMatch(/^alpnProtocols: /);
    expect(valueError(() => tlsSettingsFrom({ alpnProtocols: [''] })).message).toMatch(/^alpnProtocols: /);
    expect(valueError(() => tlsSettingsFrom({ ca_certs: certs.caFile } as never)).message)
      .toMatch(/^ca_certs: not a tlsSet\(\) option \(did you mean caCerts\?\)/);
    expect(tlsSettingsFrom({ alpnProtocols: ['mqtt'] }).alpnProtocols).toEqual(['mqtt']);
    expect(() => tlsSettingsFrom({ tlsVersion: 'TLSv1.3', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).not.toThrow();
  });
});

describe('tlsSettingsFromContext (tlsSetContext)', () => {
  it('takes a SecureContext, ConnectionOptions, or nothing (system defaults, verified)', () => {
    const ctx = tls.createSecureContext({ ca: certs.caPem });
    expect(tlsSettingsFromContext(ctx)).toEqual({ secureContext: ctx, options: {}, verify: true, insecure: false });
    const s = tlsSettingsFromContext({ ca: certs.caPem, maxVersion: 'TLSv1.2' });
    expect(s.secureContext).toBeUndefined();
    expect(s.options).toEqual({ ca: certs.caPem, maxVersion: 'TLSv1.2' });
    expect(s.verify).toBe(true);
    expect(tlsSettingsFromContext({ rejectUnauthorized: false }).verify).toBe(false);
    expect(tlsSettingsFromContext(undefined).secureContext).toBeDefined();
    expect(valueError(() => tlsSettingsFromContext('ctx' as never)).message)
      .toBe('context: must be a tls.SecureContext or tls.ConnectionOptions, got string');
  });
});

describe('buildTlsConnectOptions', () => {
  const base = (): TlsSettings => tlsSettingsFrom({ caCerts: certs.caFile });

  it('verifies by default, SNI = the host name (none for an IP address)', () => {
    const byName = buildTlsConnectOptions(base(), 'broker.example');
    expect(byName.rejectUnauthorized).toBe(true);
    expect(byName.checkServerIdentity).toBeUndefined(); // Node's own check
    expect(byName.servername).toBe('broker.example');
    expect(byName.secureContext).toBeDefined();
    expect(buildTlsConnectOptions(base(), '127.0.0.1').servername).toBeUndefined();
    expect(buildTlsConnectOptions(base(), '::1').servername).toBeUndefined();
  });

  it('insecure skips the host-name check only; CERT_NONE turns verification off', () => {
    const insecure = buildTlsConnectOptions({ ...base(), insecure: true }, 'broker.example');
    expect(insecure.rejectUnauthorized).toBe(true);
    expect(insecure.checkServerIdentity!('broker.example', {} as tls.PeerCertificate)).toBeUndefined();
    const none = buildTlsConnectOptions(tlsSettingsFrom({ certReqs: CERT_NONE }), 'broker.example');
    expect(none.rejectUnauthorized).toBe(false);
  });

  it('passes ALPN and tlsSetContext options through, ours applied over them', () => {
    const s = tlsSettingsFromContext({ ca: 'x', servername: 'sni.example', rejectUnauthorized: true });
    const o = buildTlsConnectOptions({ ...s, alpnProtocols: ['mqtt'] }, 'broker.example');
    expect(o).toMatchObject({ ca: 'x', servername: 'sni.example', ALPNProtocols: ['mqtt'], rejectUnauthorized: true });
  });
});

describe('tlsError', () => {
  const make = (code: string, message: string, reason?: string) => Object.assign(new Error(message), { code, reason });

  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate', /^TLS certificate verification failed, unknown CA: /],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain', /unknown CA.*give the broker's CA with tlsSet\(\{ caCerts \}\)/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate', /unknown CA/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate', /unknown CA/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames", /^TLS certificate verification failed, host name mismatch: /],
    ['CERT_HAS_EXPIRED', 'certificate has expired', /^TLS certificate verification failed: the broker's certificate has expired/],
    ['CERT_NOT_YET_VALID', 'certificate is not yet valid', /not valid yet/],
    ['ECONNRESET', 'Client network socket disconnected before secure TLS connection was established', /^TLS handshake failed: the connection was closed during the handshake .*is this a TLS port\?/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', '...:error:0A00010B:SSL routines:...', /^TLS handshake failed: the server did not answer with TLS/],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', '...', /^TLS handshake failed: the broker requires a client certificate/],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', '...', /^TLS handshake failed: the broker refused the handshake/],
    ['EPROTO', 'write EPROTO', /^TLS handshake failed: write EPROTO/],
  ])('%s: says what failed, rc MQTT_ERR_TLS, code and cause kept', (code, message, words) => {
    const cause = make(code, message);
    const e = tlsError(cause);
    expect(e).toBeInstanceOf(TLSError);
    expect(e.rc).toBe(MQTT_ERR_TLS);
    expect(e.code).toBe(code);
    expect(e.cause).toBe(cause);
    expect(e.message).toMatch(words);
    expect(e.message.endsWith(`[${code}]`) || e.message.includes(code)).toBe(true);
    expect(isTlsError(e)).toBe(true);
  });

  it("uses OpenSSL's reason words instead of its hex-and-path message", () => {
    const e = tlsError(make('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      '80DC01A2B67F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 40\n',
      'sslv3 alert handshake failure'));
    expect(e.message).toBe('TLS handshake failed: the broker refused the handshake (it may require a client certificate, ' +
      'or share no TLS version or cipher with us) (sslv3 alert handshake failure) [ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE]');
  });

  it('isTlsError: TLS and certificate codes yes, TCP codes no', () => {
    expect(isTlsError(make('CERT_HAS_EXPIRED', 'x'))).toBe(true);
    expect(isTlsError(make('ERR_SSL_NO_CIPHER_MATCH', 'x'))).toBe(true);
    expect(isTlsError(make('ECONNREFUSED', 'x'))).toBe(false);
    expect(isTlsError(make('ECONNRESET', 'x'))).toBe(false);
    expect(isTlsError(new Error('x'))).toBe(false);
    expect(tlsError(tlsError(make('CERT_HAS_EXPIRED', 'x')))).toBeInstanceOf(TLSError); // idempotent
  });
});

// ---------------------------------------------------------------------------------------------
// TlsTransport against local TLS servers

interface Server {
  port: number;
  conns: net.Socket[];
  stop(): Promise<void>;
}

async function listen(server: net.Server, conns: net.Socket[]): Promise<Server> {
  // Raw TCP connections too: a TLS connection whose handshake never finished is not in `conns`.
  const raw: net.Socket[] = [];
  server.on('connection', (c: net.Socket) => {
    raw.push(c);
    c.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    conns,
    stop: async () => {
      for (const c of [...conns, ...raw]) c.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A TLS echo server with the given certificate (default: the CA-signed localhost one). */
function tlsServer(opts: tls.TlsOptions = {}): Promise<Server> {
  const conns: net.Socket[] = [];
  const server = tls.createServer({
    cert: fs.readFileSync(certs.serverCertFile), key: fs.readFileSync(certs.serverKeyFile), ...opts,
  }, (c) => {
    conns.push(c);
    c.on('error', () => {});
    c.pipe(c);
  });
  server.on('tlsClientError', () => {});
  return listen(server, conns);
}

/** A plain TCP server: `onConn` decides what it does (nothing, close, answer in clear text). */
function tcpServer(onConn: (c: net.Socket) => void): Promise<Server> {
  const conns: net.Socket[] = [];
  const server = net.createServer((c) => {
    conns.push(c);
    c.on('error', () => {});
    onConn(c);
  });
  return listen(server, conns);
}

function recorder() {
  const data: Buffer[] = [];
  const closes: Array<Error | undefined> = [];
  let onClose: () => void = () => {};
  const closed = new Promise<void>((r) => (onClose = r));
  const handlers: TransportHandlers = {
    data: (chunk) => data.push(chunk),
    close: (err) => {
      closes.push(err);
      onClose();
    },
  };
  return { handlers, data, closes, closed, text: () => Buffer.concat(data).toString() };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

const OUR_EVENTS = ['data', 'error', 'close', 'drain', 'connect', 'secureConnect', 'end'];
function listenerCounts(sock: tls.TLSSocket): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of OUR_EVENTS) out[e] = sock.listenerCount(e);
  return out;
}

/** Listener counts of a bare tls.connect socket once connected: Node's own listeners. */
async function baselineListeners(port: number): Promise<Record<string, number>> {
  const s = tls.connect({ host: '127.0.0.1', port, ca: certs.caPem });
  await once(s, 'secureConnect');
  const counts = listenerCounts(s);
  s.destroy();
  await once(s, 'close');
  return counts;
}

/** Listeners on `sock` beyond Node's own (`base`). */
function extraListeners(sock: tls.TLSSocket, base: Record<string, number>): Record<string, number> {
  const now = listenerCounts(sock);
  const extra: Record<string, number> = {};
  for (const e of OUR_EVENTS) if (now[e] - base[e] > 0) extra[e] = now[e] - base[e];
  return extra;
}

async function openError(t: TlsTransport, r = recorder()): Promise<TLSError & NodeJS.ErrnoException> {
  const err = await t.open(r.handlers).then(() => null, (e) => e);
  if (err === null) throw new Error('open() resolved; expected a rejection');
  expect(r.closes).toEqual([]);
  expect(t.socket).toBeNull();
  return err;
}

describe('TlsTransport', () => {
  let srv: Server | undefined;
  afterEach(async () => {
    jest.restoreAllMocks();
    await srv?.stop();
    srv = undefined;
  });

  const transport = (port: number, settings: TlsSettings, host = '127.0.0.1', extra: Partial<ConstructorParameters<typeof TlsTransport>[0]> = {}) =>
    new TlsTransport({ host, port, tls: buildTlsConnectOptions(settings, host), ...extra });

  it('opens once the certificate is verified against caCerts; echoes; corked writes; listeners removed on close', async () => {
    srv = await tlsServer();
    const base = await baselineListeners(srv.port);
    const t = transport(srv.port, tlsSettingsFrom({ caCerts: certs.caFile }));
    const r = recorder();
    await t.open(r.handlers);
    const sock = t.socket as tls.TLSSocket;
    expect(sock).toBeInstanceOf(tls.TLSSocket);
    expect(sock.authorized).toBe(true);
    expect(extraListeners(sock, base)).toEqual({ data: 1, error: 1, close: 1, drain: 1 });
    const cork = jest.spyOn(sock, 'cork');
    expect(t.write([Buffer.from('one,'), Buffer.from('two')])).toBe(true);
    expect(cork).toHaveBeenCalledTimes(1);
    await until(() => r.text() === 'one,two');
    await until(() => srv!.conns.length > 0);
    srv.conns[0].end();
    await r.closed;
    expect(r.closes).toEqual([undefined]);
    expect(extraListeners(sock, base)).toEqual({});
    expect(t.isOpen).toBe(false);
    expect(t.write([Buffer.from('x')])).toBe(false);
  });

  it("reads decrypted bytes past the Readable stream (onread), each chunk a copy the handler keeps, still emitted as 'data'", async () => {
    srv = await tlsServer();
    const t = transport(srv.port, tlsSettingsFrom({ caCerts: certs.caFile }));
    const r = recorder();
    await t.open(r.handlers);
    const sock = t.socket as tls.TLSSocket;
    const { push, watched } = watchReads(sock); // a program watching the socket still sees each read
    // The server echoes: each chunk comes back before the next is sent, into the reused read buffer.
    t.write([Buffer.from('first')]);
    await until(() => r.text() === 'first');
    t.write([Buffer.from('SECOND')]);
    await until(() => r.text() === 'firstSECOND');
    expect(r.data.map((b) => b.toString())).toEqual(['first', 'SECOND']);
    expect(watched).toEqual(['first', 'SECOND']);
    expect(push).not.toHaveBeenCalled();
    t.destroy();
    await r.closed;
  });

  it('connects by host name (SNI + name check) to localhost', async () => {
    srv = await tlsServer();
    const t = transport(srv.port, tlsSettingsFrom({ caCerts: certs.caPem }), 'localhost');
    const r = recorder();
    await t.open(r.handlers);
    await until(() => srv!.conns.length > 0);
    expect((srv.conns[0] as tls.TLSSocket).servername).toBe('localhost');
    t.destroy();
    await r.closed;
  });

  it('unknown CA: rejects with a TLSError saying so (system CAs and a wrong CA alike)', async () => {
    srv = await tlsServer();
    for (const settings of [tlsSettingsFrom(), tlsSettingsFrom({ caCerts: certs.wrongCaFile })]) {
      const reported: Error[] = [];
      const err = await openError(transport(srv.port, settings, '127.0.0.1', { onTlsError: (e) => reported.push(e) }));
      expect(err).toBeInstanceOf(TLSError);
      expect(err.rc).toBe(MQTT_ERR_TLS);
      expect(err.message).toMatch(/^TLS certificate verification failed, unknown CA: /);
      expect(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN']).toContain(err.code);
      expect(reported).toEqual([err]);
    }
  });

  it('host name mismatch is refused; tlsInsecureSet skips that check only; CERT_NONE accepts anything', async () => {
    srv = await tlsServer();
    const wrongName = { ...tlsSettingsFrom({ caCerts: certs.caFile }), options: { servername: 'broker.wrong.test' } };
    const err = await openError(transport(srv.port, wrongName));
    expect(err.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(err.message).toBe("TLS certificate verification failed, host name mismatch: Host: broker.wrong.test. is not in the cert's " +
      "altnames: DNS:localhost, IP Address:127.0.0.1; connect with a name the certificate lists (tlsInsecureSet(true) skips this check only) " +
      '[ERR_TLS_CERT_ALTNAME_INVALID]');

    const r = recorder();
    const insecure = transport(srv.port, { ...wrongName, insecure: true });
    await insecure.open(r.handlers);
    insecure.destroy();
    await r.closed;

    // insecure does not skip the chain: a wrong CA still fails.
    const chain = await openError(transport(srv.port, { ...tlsSettingsFrom({ caCerts: certs.wrongCaFile }), insecure: true }));
    expect(chain.message).toMatch(/unknown CA/);

    const r2 = recorder();
    const none = transport(srv.port, { ...tlsSettingsFrom({ certReqs: CERT_NONE, caCerts: certs.wrongCaFile }), options: { servername: 'broker.wrong.test' } });
    await none.open(r2.handlers);
    expect((none.socket as tls.TLSSocket).authorized).toBe(false);
    none.destroy();
    await r2.closed;
  });

  it('an expired broker certificate: rejected, saying it has expired', async () => {
    srv = await tlsServer({ cert: fs.readFileSync(certs.expiredCertFile), key: fs.readFileSync(certs.expiredKeyFile) });
    const err = await openError(transport(srv.port, tlsSettingsFrom({ caCerts: certs.caFile })));
    expect(err.code).toBe('CERT_HAS_EXPIRED');
    expect(err.message).toBe("TLS certificate verification failed: the broker's certificate has expired (certificate has expired) [CERT_HAS_EXPIRED]");
  });

  it('a peer that closes during the handshake (not a TLS port): handshake failure, ECONNRESET kept', async () => {
    srv = await tcpServer((c) => c.once('data', () => c.end()));
    const err = await openError(transport(srv.port, tlsSettingsFrom({ caCerts: certs.caFile })));
    expect(err).toBeInstanceOf(TLSError);
    expect(err.code).toBe('ECONNRESET');
    expect(err.message).toMatch(/^TLS handshake failed: the connection was closed during the handshake \(.*\); is this a TLS port\? \[ECONNRESET\]$/);
  });

  it('a peer that answers in clear text: "did not answer with TLS"', async () => {
    srv = await tcpServer((c) => c.once('data', () => c.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const err = await openError(transport(srv.port, tlsSettingsFrom({ caCerts: certs.caFile })));
    expect(err.code).toBe('ERR_SSL_WRONG_VERSION_NUMBER');
    expect(err.message).toBe('TLS handshake failed: the server did not answer with TLS (wrong version number): is this a TLS port? ' +
      '(wrong version number) [ERR_SSL_WRONG_VERSION_NUMBER]');
  });

  it('a refused port is a TCP error, not a TLS one', async () => {
    const port = await freePort();
    const reported: Error[] = [];
    const err = await openError(transport(port, tlsSettingsFrom(), '127.0.0.1', { onTlsError: (e) => reported.push(e) }));
    expect(err).not.toBeInstanceOf(TLSError);
    expect(err.code).toBe('ECONNREFUSED');
    expect(reported).toEqual([]);
  });

  it('a server that never answers the ClientHello: the connect timeout ends the handshake', async () => {
    srv = await tcpServer(() => {});
    const started = Date.now();
    const err = await openError(transport(srv.port, tlsSettingsFrom({ caCerts: certs.caFile }), '127.0.0.1', { connectTimeoutMs: 200 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(err).toBeInstanceOf(TLSError);
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toBe(`TLS handshake failed: TLS handshake with 127.0.0.1:${srv.port} timed out after 200 ms [ETIMEDOUT]`);
  });

  it('TLS 1.3: a client certificate demanded after the handshake closes the connection with a TLSError saying so', async () => {
    srv = await tlsServer({ requestCert: true, rejectUnauthorized: true, ca: certs.caPem });
    const reported: Error[] = [];
    const t = transport(srv.port, tlsSettingsFrom({ caCerts: certs.caFile }), '127.0.0.1', { onTlsError: (e) => reported.push(e) });
    const r = recorder();
    await t.open(r.handlers); // the client's side of a TLS 1.3 handshake completes first
    t.write([Buffer.from('hello')]);
    await r.closed;
    const err = r.closes[0] as TLSError;
    expect(err).toBeInstanceOf(TLSError);
    expect(err.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(err.message).toMatch(/^TLS handshake failed: the broker requires a client certificate \(tlsSet\(\{ certfile, keyfile \}\)\)/);
    expect(reported).toEqual([err]);
  });

  it('with the client certificate (encrypted key + keyfilePassword) the same server accepts', async () => {
    srv = await tlsServer({ requestCert: true, rejectUnauthorized: true, ca: certs.caPem });
    const t = transport(srv.port, tlsSettingsFrom({
      caCerts: certs.caFile, certfile: certs.clientCertFile, keyfile: certs.encryptedClientKeyFile, keyfilePassword: certs.encryptedKeyPassword,
    }));
    const r = recorder();
    await t.open(r.handlers);
    t.write([Buffer.from('ping')]);
    await until(() => r.text() === 'ping');
    t.end();
    await r.closed;
    expect(r.closes).toEqual([undefined]);
  });

  it('tlsVersion TLSv1.3 against a TLS 1.2-only server: refused, with the version named', async () => {
    srv = await tlsServer({ maxVersion: 'TLSv1.2' });
    const err = await openError(transport(srv.port, tlsSettingsFrom({ caCerts: certs.caFile, tlsVersion: 'TLSv1.3' })));
    expect(err).toBeInstanceOf(TLSError);
    expect(err.message).toMatch(/^TLS handshake failed: /);
    expect(err.message).toMatch(/version/i);
  });

  it('rejects when destroyed while connecting', async () => {
    srv = await tcpServer(() => {});
    const t = transport(srv.port, tlsSettingsFrom({ caCerts: certs.caFile }));
    const r = recorder();
    const p = t.open(r.handlers);
    t.destroy();
    await expect(p).rejects.toThrow(`connect to 127.0.0.1:${srv.port} aborted`);
    expect(r.closes).toEqual([]);
  });
});
