/*
 * Certificates for the TLS specs, generated at test time (openssl CLI): the test CA set of
 * spec/support/mosquitto.ts (CA, wrong CA, server cert for localhost/127.0.0.1, client cert),
 * plus an expired server certificate and a password-protected copy of the client key.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateCerts, MosquittoCerts } from '../support/mosquitto';

export interface TestCerts extends MosquittoCerts {
  /** Signed by caFile, for localhost/127.0.0.1, valid 2020-01-01 to 2020-01-02 only. */
  expiredCertFile: string;
  expiredKeyFile: string;
  /** clientKeyFile encrypted (PKCS#8, AES-256) with `encryptedKeyPassword`. */
  encryptedClientKeyFile: string;
  encryptedKeyPassword: string;
  cleanup(): void;
}

const CA_CNF = `[ca]
default_ca = test_ca
[test_ca]
database = index.txt
new_certs_dir = issued
serial = serial
default_md = sha256
policy = any_cn
copy_extensions = none
x509_extensions = server_ext
[any_cn]
commonName = supplied
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
`;

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
}

export function makeTestCerts(): TestCerts {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-tls-'));
  const certs = generateCerts(path.join(root, 'certs'));
  const dir = certs.dir;
  // `openssl x509 -req` cannot set dates in the past; `openssl ca` can.
  fs.mkdirSync(path.join(dir, 'issued'));
  fs.writeFileSync(path.join(dir, 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'serial'), '1000\n');
  fs.writeFileSync(path.join(dir, 'ca-sign.cnf'), CA_CNF);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'expired.key', '-out', 'expired.csr', '-subj', '/CN=localhost', '-config', 'openssl.cnf'], dir);
  openssl(['ca', '-batch', '-config', 'ca-sign.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', 'expired.csr',
    '-out', 'expired.crt', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z'], dir);
  const encryptedKeyPassword = 'correct horse battery staple';
  openssl(['pkcs8', '-topk8', '-in', 'client.key', '-v2', 'aes-256-cbc', '-passout', `pass:${encryptedKeyPassword}`,
    '-out', 'client-enc.key'], dir);
  return {
    ...certs,
    expiredCertFile: path.join(dir, 'expired.crt'),
    expiredKeyFile: path.join(dir, 'expired.key'),
    encryptedClientKeyFile: path.join(dir, 'client-enc.key'),
    encryptedKeyPassword,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** Writes `keyFile` encrypted (PKCS#8, AES-256) with `password` next to it; returns the new path. */
export function encryptKey(keyFile: string, password: string): string {
  const out = keyFile.replace(/\.key$/, '') + '-enc.key';
  openssl(['pkcs8', '-topk8', '-in', keyFile, '-v2', 'aes-256-cbc', '-passout', `pass:${password}`, '-out', out], path.dirname(keyFile));
  return out;
}
