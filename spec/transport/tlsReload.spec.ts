/*
 * tlsSet({ reloadOnReconnect: true }) at the settings level (no broker): the flag is checked,
 * the files are still read at the call, each attempt builds a fresh secure context from the
 * files as they are then, and a file gone or spoiled fails that attempt with a TLSError naming
 * it (never the old contents, never the key password). Without the flag nothing is kept to
 * re-read and nothing is read again. Against mosquitto: spec/client/tlsReload.spec.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MQTT_ERR_TLS, TLSError, ValueError } from '../../lib';
import { buildTlsConnectOptions, reloadedTlsSettings, tlsSettingsFrom } from '../../lib/transport/tlsOptions';
import { makeTestCerts, TestCerts } from './tlsFixtures';

let certs: TestCerts;
let dir: string;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs?.cleanup());
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-reload-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Copies of the client's files in the spec's own directory, free to delete or rewrite. */
function clientFiles(): { caCerts: string; certfile: string; keyfile: string } {
  const copy = (from: string, name: string): string => {
    const to = path.join(dir, name);
    fs.copyFileSync(from, to);
    return to;
  };
  return { caCerts: copy(certs.caFile, 'ca.crt'), certfile: copy(certs.clientCertFile, 'client.crt'), keyfile: copy(certs.clientKeyFile, 'client.key') };
}

function reloadError(fn: () => unknown): TLSError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TLSError);
    return e as TLSError;
  }
  throw new Error('expected a TLSError');
}

describe('tlsSet reloadOnReconnect', () => {
  it('must be true or false', () => {
    expect(() => tlsSettingsFrom({ reloadOnReconnect: 'yes' as unknown as boolean })).toThrow(ValueError);
    expect(() => tlsSettingsFrom({ reloadOnReconnect: 'yes' as unknown as boolean })).toThrow(/^reloadOnReconnect: must be true or false/);
    expect(() => tlsSettingsFrom({ reloadOnReconect: true } as never)).toThrow(/did you mean reloadOnReconnect\?/);
  });

  it('the files are still read and checked at tlsSet(): a missing one is a ValueError at the call', () => {
    const files = clientFiles();
    fs.rmSync(files.certfile);
    expect(() => tlsSettingsFrom({ ...files, reloadOnReconnect: true })).toThrow(ValueError);
    expect(() => tlsSettingsFrom({ ...files, reloadOnReconnect: true })).toThrow(/^certfile: cannot read '.*client\.crt': ENOENT/);
  });

  it('off (the default): nothing is kept to re-read, and files removed after tlsSet() do not matter', () => {
    const files = clientFiles();
    for (const flag of [undefined, null, false]) {
      const s = tlsSettingsFrom({ ...files, reloadOnReconnect: flag });
      expect('reload' in s).toBe(false);
    }
    const s = tlsSettingsFrom(files);
    for (const f of Object.values(files)) fs.rmSync(f);
    expect(buildTlsConnectOptions(s, 'localhost').secureContext).toBe(s.secureContext);
  });

  it('on: each attempt gets a secure context built from the files as they are then; tlsInsecureSet() is kept', () => {
    const files = clientFiles();
    const s = tlsSettingsFrom({ ...files, reloadOnReconnect: true });
    const insecure = { ...s, insecure: true }; // what tlsInsecureSet(true) leaves
    const first = reloadedTlsSettings(insecure);
    const second = reloadedTlsSettings(insecure);
    expect(first.secureContext).not.toBe(s.secureContext);
    expect(second.secureContext).not.toBe(first.secureContext);
    expect(first.insecure).toBe(true);
    expect(first.verify).toBe(true);
    expect(buildTlsConnectOptions(first, 'localhost').secureContext).toBe(first.secureContext);
    // Rotated: another valid pair in the same paths loads.
    fs.copyFileSync(certs.expiredCertFile, files.certfile);
    fs.copyFileSync(certs.expiredKeyFile, files.keyfile);
    expect(reloadedTlsSettings(s).secureContext).toBeDefined();
  });

  it('on: a file gone at an attempt fails it with a TLSError naming the file (rc MQTT_ERR_TLS), not the old contents', () => {
    const files = clientFiles();
    const s = tlsSettingsFrom({ ...files, reloadOnReconnect: true });
    fs.rmSync(files.certfile);
    const err = reloadError(() => reloadedTlsSettings(s));
    expect(err.rc).toBe(MQTT_ERR_TLS);
    expect(err.code).toBe('ERR_TLS_RELOAD');
    expect(err.message).toMatch(/^TLS files could not be read again for this connection attempt \(reloadOnReconnect\): certfile: cannot read '.*client\.crt': ENOENT$/);
    expect(err.cause).toBeInstanceOf(ValueError);
    fs.copyFileSync(certs.clientCertFile, files.certfile); // back: the next attempt works again
    expect(reloadedTlsSettings(s).secureContext).toBeDefined();
  });

  it('on: a spoiled CA file or a key that no longer matches fails the attempt; the key password never shows', () => {
    const files = clientFiles();
    const keyfile = path.join(dir, 'client-enc.key');
    fs.copyFileSync(certs.encryptedClientKeyFile, keyfile);
    const s = tlsSettingsFrom({ ...files, keyfile, keyfilePassword: certs.encryptedKeyPassword, reloadOnReconnect: true });
    expect(reloadedTlsSettings(s).secureContext).toBeDefined(); // the password is kept for the re-read

    fs.writeFileSync(files.caCerts, 'not a certificate');
    expect(reloadError(() => reloadedTlsSettings(s)).message).toMatch(/caCerts: '.*ca\.crt' holds no PEM certificate/);
    fs.copyFileSync(certs.caFile, files.caCerts);

    fs.copyFileSync(certs.expiredKeyFile, keyfile); // a key of another certificate
    const err = reloadError(() => reloadedTlsSettings(s));
    expect(err.message).toMatch(/keyfile: the private key does not match the certificate in certfile/);
    expect(err.message).not.toContain(certs.encryptedKeyPassword);
  });
});
