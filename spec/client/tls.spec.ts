/*
 * The Client over TLS against mosquitto, with certificates generated at test time: unknown CA
 * refused, wrong host name refused and accepted after tlsInsecureSet(true) (which still
 * verifies the chain), CERT_NONE, failures reported as rc MQTT_ERR_TLS with an MQTT_LOG_ERR
 * line and on_connect_fail, and a broker that requires client certificates (works with one,
 * refused without). CA-verified pub/sub at QoS 0/1/2 (exactly once, TLS 1.3, by name and by
 * address, CA as a file and as PEM text) runs with the other transports in pubsub.spec.ts.
 * Last, without a broker: one client's TLS settings are never another's.
 */
import * as dns from 'dns';
import { CERT_NONE, Client, MQTT_ERR_SUCCESS, MQTT_ERR_TLS, MQTT_LOG_ERR, TLSError, ValueError } from '../../lib';
import { MosquittoBroker, startMosquitto, describeWithMosquitto } from '../support/mosquitto';
import { roundTrip, start } from '../support/transports';
import { encryptKey, makeTestCerts, TestCerts } from '../transport/tlsFixtures';
import { useClients, waitFor } from './support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dnsModule: typeof dns = require('dns');

/** Makes `name` resolve to 127.0.0.1 (a host name the broker's certificate does not list). */
function aliasToLoopback(name: string): void {
  const original = dnsModule.lookup;
  jest.spyOn(dnsModule, 'lookup').mockImplementation(((host: string, ...rest: unknown[]) =>
    (original as (...a: unknown[]) => void)(host === name ? '127.0.0.1' : host, ...rest)) as typeof dns.lookup);
}

/** Records on_log lines. */
function logLines(c: Client): Array<[number, string]> {
  const lines: Array<[number, string]> = [];
  c.on_log = (_c: Client, _u: unknown, level: number, text: string) => lines.push([level, text]);
  return lines;
}

describeWithMosquitto('Client over TLS [mosquitto]', () => {
  let broker: MosquittoBroker;
  const clients = useClients();
  beforeAll(async () => {
    broker = await startMosquitto({ tls: true });
  });
  afterAll(async () => broker?.stop());
  afterEach(() => jest.restoreAllMocks());

  const ca = () => broker.certs!.caFile;

  test('unknown CA: connect() rejects with rc MQTT_ERR_TLS, an MQTT_LOG_ERR line says why, no on_connect', async () => {
    for (const setup of [(c: Client) => c.tlsSet({ caCerts: broker.certs!.wrongCaFile }), (c: Client) => c.tlsSet()]) {
      const c = clients.make();
      setup(c);
      const lines = logLines(c);
      let connects = 0;
      c.on_connect = () => connects++;
      const err = await c.connect('127.0.0.1', broker.tlsPort!).then(() => null, (e) => e);
      expect(err).toBeInstanceOf(TLSError);
      expect(err.rc).toBe(MQTT_ERR_TLS);
      expect(err.message).toMatch(/^TLS certificate verification failed, unknown CA: the broker's certificate is not signed by a trusted CA/);
      expect(err.cause.code).toBe(err.code);
      expect(lines).toContainEqual([MQTT_LOG_ERR, `TLS error with 127.0.0.1:${broker.tlsPort}: ${err.message}`]);
      expect(c.isConnected()).toBe(false);
      expect(c.socket()).toBeNull();
      expect(connects).toBe(0);
    }
  });

  test('wrong host name: refused; tlsInsecureSet(true) accepts it and pub/sub works; the chain is still checked', async () => {
    aliasToLoopback('mqtt.wrong.test');
    const strict = clients.make();
    strict.tlsSet({ caCerts: ca() });
    const err = await strict.connect('mqtt.wrong.test', broker.tlsPort!).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(TLSError);
    expect(err.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(err.message).toBe("TLS certificate verification failed, host name mismatch: Host: mqtt.wrong.test. is not in the cert's " +
      "altnames: DNS:localhost, IP Address:127.0.0.1; connect with a name the certificate lists (tlsInsecureSet(true) skips " +
      'this check only) [ERR_TLS_CERT_ALTNAME_INVALID]');

    const relaxed = clients.make();
    relaxed.tlsSet({ caCerts: ca() });
    relaxed.tlsInsecureSet(true);
    const pub = clients.make();
    pub.tlsSet({ caCerts: ca() });
    await start(relaxed, 'mqtt.wrong.test', broker.tlsPort!, [['insecure/t', 1]]);
    await start(pub, '127.0.0.1', broker.tlsPort!);
    await roundTrip(relaxed, pub, 'insecure/t', 1, 5);

    const wrongCa = clients.make();
    wrongCa.tlsSet({ caCerts: broker.certs!.wrongCaFile });
    wrongCa.tlsInsecureSet(true);
    await expect(wrongCa.connect('mqtt.wrong.test', broker.tlsPort!)).rejects.toMatchObject({ rc: MQTT_ERR_TLS, message: expect.stringMatching(/unknown CA/) });
  });

  test('certReqs CERT_NONE: no verification at all, no error, even with no CA and a wrong name', async () => {
    aliasToLoopback('mqtt.wrong.test');
    const c = clients.make();
    c.tlsSet({ certReqs: CERT_NONE });
    const pub = clients.make();
    pub.tlsSet({ certReqs: CERT_NONE });
    await start(c, 'mqtt.wrong.test', broker.tlsPort!, [['none/t', 2]]);
    await start(pub, '127.0.0.1', broker.tlsPort!);
    expect((c.socket() as { authorized: boolean }).authorized).toBe(false);
    await roundTrip(c, pub, 'none/t', 2, 5);

    // tlsInsecureSet(false) after CERT_NONE turns checking back on (Python's check_hostname does too).
    const back = clients.make();
    back.tlsSet({ certReqs: CERT_NONE });
    back.tlsInsecureSet(false);
    await expect(back.connect('127.0.0.1', broker.tlsPort!)).rejects.toMatchObject({ rc: MQTT_ERR_TLS, message: expect.stringMatching(/unknown CA/) });
  });

  test('tlsSetContext(ConnectionOptions) works; TLS set twice, or tlsInsecureSet before it, is a ValueError', async () => {
    const c = clients.make();
    expect(() => c.tlsInsecureSet(true)).toThrow(new ValueError('value: configure TLS with tlsSet() or tlsSetContext() before tlsInsecureSet()'));
    c.tlsSetContext({ ca: broker.certs!.caPem, minVersion: 'TLSv1.3' });
    expect(() => c.tlsSet({ caCerts: ca() })).toThrow(ValueError);
    expect(() => c.tlsSetContext()).toThrow(ValueError);
    await start(c, 'localhost', broker.tlsPort!);
    expect(c.isConnected()).toBe(true);
  });

  test('a TLS client on the plain MQTT port: a handshake failure, rc MQTT_ERR_TLS', async () => {
    const c = clients.make();
    c.tlsSet({ caCerts: ca() });
    const err = await c.connect('127.0.0.1', broker.port).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(TLSError);
    expect(err.message).toMatch(/^TLS handshake failed: the connection was closed during the handshake .*is this a TLS port\?/);
  });

  test('in the background (connectAsync + loopStart) a TLS failure fires on_connect_fail and retries with backoff', async () => {
    const c = clients.make();
    c.tlsSet({ caCerts: broker.certs!.wrongCaFile });
    c.reconnectDelaySet(0.05, 0.05);
    const lines = logLines(c);
    let fails = 0;
    c.on_connect_fail = () => fails++;
    c.connectAsync('127.0.0.1', broker.tlsPort!);
    c.loopStart();
    await waitFor(() => fails >= 2, 5000, () => `two on_connect_fail calls (got ${fails})`);
    expect(lines.filter(([level, text]) => level === MQTT_LOG_ERR && /unknown CA/.test(text)).length).toBeGreaterThanOrEqual(2);
  });
});

describeWithMosquitto('Client with a broker that requires client certificates [mosquitto]', () => {
  let broker: MosquittoBroker;
  let extra: TestCerts;
  const clients = useClients();
  beforeAll(async () => {
    broker = await startMosquitto({ tls: { requireCertificate: true } });
    extra = makeTestCerts(); // a client certificate from another CA
  });
  afterAll(async () => {
    await broker?.stop();
    extra?.cleanup();
  });

  test('with a client certificate: connects, pub/sub at QoS 2 exactly once', async () => {
    const certs = broker.certs!;
    const sub = clients.make();
    const pub = clients.make();
    for (const c of [sub, pub]) c.tlsSet({ caCerts: certs.caFile, certfile: certs.clientCertFile, keyfile: certs.clientKeyFile });
    await start(sub, 'localhost', broker.tlsPort!, [['cert/t', 2]]);
    await start(pub, 'localhost', broker.tlsPort!);
    await roundTrip(sub, pub, 'cert/t', 2);
  });

  test('without one (TLS 1.3): the broker refuses after the handshake; on_disconnect (the socket had opened, as in paho) and an MQTT_LOG_ERR line say so', async () => {
    const c = clients.make();
    c.tlsSet({ caCerts: broker.certs!.caFile });
    c.reconnectDelaySet(0.05, 0.05);
    const lines = logLines(c);
    let ends = 0;
    let fails = 0;
    let connects = 0;
    // TLS 1.3: the client's handshake is done before the broker checks its certificate, so the
    // socket opened and the broker's alert ends it: paho reports that with on_disconnect.
    c.on_disconnect = (_c: Client, _u: unknown, rc: number) => { if (rc !== MQTT_ERR_SUCCESS) ends++; };
    c.on_connect_fail = () => fails++;
    c.on_connect = () => connects++;
    c.connectAsync('localhost', broker.tlsPort!);
    c.loopStart();
    await waitFor(() => ends >= 1, 5000, 'on_disconnect');
    expect(fails).toBe(0);
    expect(connects).toBe(0);
    const errLine = lines.find(([level]) => level === MQTT_LOG_ERR);
    expect(errLine?.[1]).toMatch(new RegExp(`^TLS error with localhost:${broker.tlsPort}: TLS handshake failed: the broker requires a ` +
      'client certificate \\(tlsSet\\(\\{ certfile, keyfile \\}\\)\\) \\(tlsv13 alert certificate required\\) ' +
      '\\[ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\\]$'));
  });

  test('without one (TLS 1.2, via tlsSetContext): connect() itself rejects with rc MQTT_ERR_TLS', async () => {
    const c = clients.make();
    c.tlsSetContext({ ca: broker.certs!.caPem, maxVersion: 'TLSv1.2' });
    const err = await c.connect('localhost', broker.tlsPort!).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(TLSError);
    expect(err.rc).toBe(MQTT_ERR_TLS);
    expect(err.code).toBe('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
    expect(err.message).toMatch(/^TLS handshake failed: the broker refused the handshake \(it may require a client certificate/);
  });

  test('an encrypted key with keyfilePassword works, and the password never reaches a log line or an error', async () => {
    const certs = broker.certs!;
    const password = 'pa55-Secret-do-not-log';
    const keyfile = encryptKey(certs.clientKeyFile, password);
    const c = clients.make();
    const lines = logLines(c);
    c.tlsSet({ caCerts: certs.caFile, certfile: certs.clientCertFile, keyfile, keyfilePassword: password });
    await start(c, 'localhost', broker.tlsPort!, [['enc/t', 1]]);
    const wrong = clients.make();
    const err = (() => {
      try {
        wrong.tlsSet({ caCerts: certs.caFile, certfile: certs.clientCertFile, keyfile, keyfilePassword: 'wrong-' + password });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ValueError);
    expect(err!.message).toMatch(/^keyfilePassword: cannot decrypt the private key with it/);
    expect(err!.message).not.toContain(password);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some(([, text]) => text.includes(password))).toBe(false);
  });

  test('a certificate from a CA the broker does not trust: refused after the handshake (on_disconnect), saying so', async () => {
    const c = clients.make();
    c.tlsSet({ caCerts: broker.certs!.caFile, certfile: extra.clientCertFile, keyfile: extra.clientKeyFile });
    c.reconnectDelaySet(0.05, 0.05);
    const lines = logLines(c);
    let ends = 0;
    let fails = 0;
    let connects = 0;
    // TLS 1.3: the client's handshake is done before the broker checks its certificate, so the
    // socket opened and the broker's alert ends it: paho reports that with on_disconnect.
    c.on_disconnect = (_c: Client, _u: unknown, rc: number) => { if (rc !== MQTT_ERR_SUCCESS) ends++; };
    c.on_connect_fail = () => fails++;
    c.on_connect = () => connects++;
    c.connectAsync('localhost', broker.tlsPort!);
    c.loopStart();
    await waitFor(() => ends >= 1, 5000, 'on_disconnect');
    expect(fails).toBe(0);
    expect(connects).toBe(0);
    const errLine = lines.find(([level]) => level === MQTT_LOG_ERR);
    expect(errLine?.[1]).toMatch(/TLS handshake failed: the broker does not trust our client certificate \(unknown CA\)/);
  });
});

describe('TLS settings belong to the client that set them (the others keep the shared defaults)', () => {
  it("one client's tlsSet() is not another's, and reinitialise() forgets it", () => {
    const a = new Client('tls-settings-a');
    const b = new Client('tls-settings-b');
    a.tlsSet({ certReqs: CERT_NONE });
    expect(() => a.tlsSet()).toThrow(/TLS is already configured/);
    expect(() => b.tlsInsecureSet(true)).toThrow(/configure TLS with tlsSet\(\)/);
    b.tlsSet({ certReqs: CERT_NONE });
    b.tlsInsecureSet(true);
    a.reinitialise('tls-settings-a');
    expect(() => a.tlsInsecureSet(true)).toThrow(/configure TLS with tlsSet\(\)/);
    a.tlsSet({ certReqs: CERT_NONE });
    expect(() => new Client('tls-settings-c').tlsInsecureSet(false)).toThrow(ValueError);
  });
});
