/*
 * A rotated client certificate against mosquitto (require_certificate true): the client
 * connects with a certificate from the test CA; its certificate and key are then replaced on
 * disk by a pair from a second CA, and the broker restarts trusting only that second CA. With
 * tlsSet({ reloadOnReconnect: true }) loopStart() reconnects with the new pair, over TLS and
 * over wss:// alike (the local certificate of the new TLS socket is the new one); without it
 * the client keeps offering the old certificate and every attempt fails the handshake. A file missing at an attempt fails
 * that attempt (on_connect_fail, MQTT_ERR_TLS) and the client keeps trying until it is back.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as tls from 'tls';
import { Client, MQTT_ERR_TLS, MQTT_LOG_ERR, TLSError } from '../../lib';
import { describeWithMosquitto, generateCerts, MosquittoBroker, MosquittoCerts, startMosquitto } from '../support/mosquitto';
import { useClients, waitFor } from './support';

/** Serial number of the certificate in a PEM file. */
function serialOf(file: string): string {
  return new crypto.X509Certificate(fs.readFileSync(file)).serialNumber;
}

/** Serial number of the certificate this client presented on its current TLS connection. */
function presentedSerial(c: Client): string | undefined {
  const cert = (c.socket() as tls.TLSSocket | null)?.getCertificate();
  return cert !== null && cert !== undefined && 'serialNumber' in cert ? cert.serialNumber.toUpperCase() : undefined;
}

/** What happened to one client, counted from `since()`. */
function record(c: Client) {
  const h = { attempts: 0, connects: 0, fails: 0, tlsErrors: [] as string[], connectedAt: 0 };
  c.on_pre_connect = () => { h.attempts++; };
  c.on_connect = () => { h.connects++; h.connectedAt = Date.now(); };
  c.on_connect_fail = () => { h.fails++; };
  c.on_log = (_c: Client, _u: unknown, level: number, text: string) => { if (level === MQTT_LOG_ERR && /TLS/.test(text)) h.tlsErrors.push(text); };
  return h;
}

describeWithMosquitto('tlsSet({ reloadOnReconnect }) with a rotated client certificate [mosquitto]', () => {
  const clients = useClients();
  let broker: MosquittoBroker;
  let dir: string;
  /** A second CA and a client certificate it signed (the rotated pair). */
  let second: MosquittoCerts;
  /** The client's own files: the broker's CA (to verify the broker), its certificate and key. */
  let files: { caCerts: string; certfile: string; keyfile: string };

  beforeEach(async () => {
    broker = await startMosquitto({ tls: { requireCertificate: true }, websockets: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-rotate-'));
    second = generateCerts(path.join(dir, 'second'));
    const copy = (from: string, name: string): string => {
      fs.copyFileSync(from, path.join(dir, name));
      return path.join(dir, name);
    };
    const certs = broker.certs!;
    files = { caCerts: copy(certs.caFile, 'broker-ca.crt'), certfile: copy(certs.clientCertFile, 'client.crt'), keyfile: copy(certs.clientKeyFile, 'client.key') };
  });
  afterEach(async () => {
    await broker?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Replaces the client's pair on disk by the second CA's, and restarts the broker trusting only the second CA. */
  async function rotate(): Promise<void> {
    fs.copyFileSync(second.clientCertFile, files.certfile);
    fs.copyFileSync(second.clientKeyFile, files.keyfile);
    fs.copyFileSync(second.caFile, broker.certs!.caFile); // the broker's `cafile`: client certificates are checked against it
    await broker.restart();
  }

  async function connectedClient(reloadOnReconnect: boolean, over: 'tls' | 'wss' = 'tls') {
    const c = clients.make(over === 'wss' ? { transport: 'websockets' } : {});
    c.tlsSet({ ...files, reloadOnReconnect });
    c.reconnectDelaySet(0.1, 0.4);
    const h = record(c);
    await c.connect('127.0.0.1', over === 'wss' ? broker.wssPort! : broker.tlsPort!, 60);
    c.loopStart();
    await waitFor(() => h.connects === 1, 5000, 'the first CONNACK');
    expect(presentedSerial(c)).toBe(serialOf(broker.certs!.clientCertFile));
    return { c, h };
  }

  test.each(['tls', 'wss'] as const)('on (%s): the client reconnects with the certificate now on disk', async (over) => {
    const { c, h } = await connectedClient(true, over);
    const before = h.attempts;
    const t0 = Date.now();
    await rotate();
    await waitFor(() => h.connects === 2 && c.isConnected(), 10_000, 'the reconnect with the rotated certificate');
    const attempts = h.attempts - before;
    const ms = h.connectedAt - t0;
    expect(presentedSerial(c)).toBe(serialOf(second.clientCertFile));
    expect(presentedSerial(c)).not.toBe(serialOf(broker.certs!.clientCertFile));
    // The figures the closing note quotes: attempts from the restart until CONNACK, and the time.
    console.log(`tlsReload figures (${over}): reconnected with the rotated certificate after ${attempts} attempt(s), ${ms} ms after the files were replaced and the broker restart began`);
    expect(attempts).toBeGreaterThanOrEqual(1);
  }, 30_000);

  test('off: the old certificate stays in use and every attempt fails the handshake', async () => {
    const { c, h } = await connectedClient(false);
    const before = h.attempts;
    await rotate();
    const errorsBefore = h.tlsErrors.length;
    const unknownCa = (): number => h.tlsErrors.slice(errorsBefore).filter((l) => l.includes('the broker does not trust our client certificate (unknown CA)')).length;
    await waitFor(() => h.attempts - before >= 4 && unknownCa() >= 2, 10_000, 'several attempts refused for the old certificate');
    expect(h.connects).toBe(1);
    expect(c.isConnected()).toBe(false);
    console.log(`tlsReload figures (off): ${h.attempts - before} attempts after the restart, none connected`);
  }, 30_000);

  test('on: a file missing at an attempt fails it (on_connect_fail, MQTT_ERR_TLS); the client keeps trying and connects once it is back', async () => {
    const c = clients.make();
    c.tlsSet({ ...files, reloadOnReconnect: true }); // read and checked here: present
    c.reconnectDelaySet(0.1, 0.2);
    const h = record(c);
    const saved = fs.readFileSync(files.keyfile);
    fs.rmSync(files.keyfile);
    const err = await c.connect('127.0.0.1', broker.tlsPort!, 60).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(TLSError);
    expect(err.rc).toBe(MQTT_ERR_TLS);
    expect(err.message).toMatch(/^TLS files could not be read again for this connection attempt \(reloadOnReconnect\): keyfile: cannot read '.*client\.key': ENOENT$/);
    expect(h.tlsErrors).toContain(`TLS error with 127.0.0.1:${broker.tlsPort}: ${err.message}`);
    // paho's reconnect() is an attempt too: the files are read again, and still missing.
    await expect(c.reconnect()).rejects.toMatchObject({ rc: MQTT_ERR_TLS, code: 'ERR_TLS_RELOAD' });

    c.loopStart(); // connect() kept the target: loopStart() retries it with backoff
    await waitFor(() => h.fails >= 2, 5000, 'failed attempts while the key is missing');
    expect(h.connects).toBe(0);
    fs.writeFileSync(files.keyfile, saved);
    await waitFor(() => h.connects === 1 && c.isConnected(), 5000, 'the connection once the key is back');
  }, 30_000);
});
