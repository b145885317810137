/*
 * Proves the test brokers work, using hand-written MQTT bytes over raw
 * sockets (no dependency on lib/).
 */
import * as fs from 'fs';
import * as net from 'net';
import * as tls from 'tls';
import WebSocket from 'ws';
import { startEmbeddedBroker, EmbeddedBroker } from './embeddedBroker';
import { describeWithMosquitto, startMosquitto, MosquittoBroker } from './mosquitto';
import { freePort, freePorts } from './ports';

// ---------------------------------------------------------------------------
// hand-made packets

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

function packet(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), varint(body.length), body]);
}

/** MQTT 3.1.1 CONNECT, clean session, keepalive 60. */
function connect311(clientId: string, auth?: { username: string; password: string }): Buffer {
  const flags = 0x02 | (auth ? 0xc0 : 0);
  const body = Buffer.concat([
    Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, flags, 0x00, 0x3c]),
    str(clientId),
    ...(auth ? [str(auth.username), str(auth.password)] : []),
  ]);
  return packet(0x10, body);
}

/** MQTT 5 CONNECT, clean start, keepalive 60, no properties. */
function connect5(clientId: string): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3c, 0x00]),
    str(clientId),
  ]);
  return packet(0x10, body);
}

function subscribe311(packetId: number, topic: string, qos: number): Buffer {
  return packet(0x82, Buffer.concat([Buffer.from([packetId >> 8, packetId & 0xff]), str(topic), Buffer.from([qos])]));
}

function publishRetainedQos1(packetId: number, topic: string, payload: string): Buffer {
  return packet(
    0x33,
    Buffer.concat([str(topic), Buffer.from([packetId >> 8, packetId & 0xff]), Buffer.from(payload, 'utf8')]),
  );
}

const PINGREQ = Buffer.from([0xc0, 0x00]);
const CONNACK_OK = Buffer.from([0x20, 0x02, 0x00, 0x00]);

// ---------------------------------------------------------------------------
// raw connections

/** Buffers a socket's bytes and hands out whole MQTT packets. */
class RawConn {
  private buf = Buffer.alloc(0);
  private failure?: Error;
  private waiter?: () => void;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.waiter?.();
  }

  send(b: Buffer): void {
    this.socket.write(b);
  }

  /** Resolves with the next whole MQTT packet (fixed header included). */
  nextPacket(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const len = packetLength(this.buf);
        if (len !== undefined && this.buf.length >= len) {
          this.waiter = undefined;
          const p = this.buf.subarray(0, len);
          this.buf = this.buf.subarray(len);
          resolve(p);
        } else if (this.failure) {
          this.waiter = undefined;
          reject(this.failure);
        }
      };
      this.waiter = attempt;
      attempt();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Total length of the packet at the start of buf, or undefined if the fixed header is incomplete. */
function packetLength(buf: Buffer): number | undefined {
  let value = 0;
  let multiplier = 1;
  for (let i = 1; i < Math.min(buf.length, 5); i++) {
    value += (buf[i] & 0x7f) * multiplier;
    if ((buf[i] & 0x80) === 0) return 1 + i + value;
    multiplier *= 128;
  }
  return undefined;
}

function openTcp(port: number): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(new RawConn(socket));
    });
    socket.once('error', reject);
  });
}

function openTls(opts: tls.ConnectionOptions): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', servername: 'localhost', ...opts });
    const onError = (e: Error) => {
      socket.destroy();
      reject(e);
    };
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      resolve(new RawConn(socket));
    });
    socket.once('error', onError);
  });
}

/** Send CONNECT, return the broker's first packet, close. */
async function handshake(open: Promise<RawConn>, connectPacket: Buffer): Promise<Buffer> {
  const conn = await open;
  try {
    conn.send(connectPacket);
    return await conn.nextPacket();
  } finally {
    conn.close();
  }
}

function wsHandshake(url: string, connectPacket: Buffer, opts: WebSocket.ClientOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'mqtt', opts);
    let received = Buffer.alloc(0);
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => {
      expect(ws.protocol).toBe('mqtt');
      ws.send(connectPacket);
    });
    ws.on('message', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const len = packetLength(received);
      if (len !== undefined && received.length >= len) {
        ws.terminate();
        resolve(received.subarray(0, len));
      }
    });
    ws.on('error', reject);
    ws.on('close', () => reject(new Error(`websocket closed after ${received.length} bytes`)));
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------

describe('ports', () => {
  test('freePort / freePorts hand out usable, distinct ports', async () => {
    const one = await freePort();
    expect(one).toBeGreaterThan(0);
    expect(one).not.toBe(1883);
    const many = await freePorts(4);
    expect(new Set(many).size).toBe(4);
  });
});

describe('embedded mosca broker', () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = await startEmbeddedBroker();
  });
  afterAll(() => broker?.close());

  test('answers an MQTT 3.1.1 CONNECT with CONNACK 20 02 00 00', async () => {
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.port).not.toBe(1883);
    const connack = await handshake(openTcp(broker.port), connect311('mosca-1'));
    expect(connack).toEqual(CONNACK_OK);
  });

  test('close() resolves, is safe to call twice, and frees the port', async () => {
    const other = await startEmbeddedBroker();
    expect(other.port).not.toBe(broker.port);
    await Promise.all([other.close(), other.close()]);
    await other.close();
    await expect(openTcp(other.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describeWithMosquitto('mosquitto: plain TCP', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(() => broker?.stop());

  test('MQTT 3.1.1 CONNECT gets CONNACK 20 02 00 00', async () => {
    expect(broker.host).toBe('127.0.0.1');
    expect(broker.port).not.toBe(1883);
    const connack = await handshake(openTcp(broker.port), connect311('mosq-311'));
    expect(connack).toEqual(CONNACK_OK);
  });

  test('MQTT 5 CONNECT gets a v5 CONNACK: session present 0, reason 0x00', async () => {
    const connack = await handshake(openTcp(broker.port), connect5('mosq-v5'));
    expect(connack[0]).toBe(0x20);
    expect(connack[1]).toBe(connack.length - 2); // remaining length (properties fit in one byte here)
    expect(connack[2]).toBe(0x00); // connect acknowledge flags
    expect(connack[3]).toBe(0x00); // reason code: success
    expect(connack[4]).toBe(connack.length - 5); // properties length
  });

  test('config and log live in the temp dir', () => {
    expect(broker.dir).toContain('mqttloop-mosq-');
    const conf = fs.readFileSync(broker.configFile, 'utf8');
    expect(conf).toMatch(/^user root$/m);
    expect(conf).toMatch(/^allow_anonymous true$/m);
    expect(conf).toContain(`listener ${broker.port} 127.0.0.1`);
    expect(broker.log()).toMatch(/mosquitto version [\d.]+ running/);
    expect(broker.log()).toContain('mosq-311');
  });
});

describeWithMosquitto('mosquitto: users and ACL', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await startMosquitto({
      users: { alice: 's3cret', bob: 'hunter2' },
      acl: 'user alice\ntopic readwrite allowed/#\n',
    });
  });
  afterAll(() => broker?.stop());

  test('good passwords are accepted', async () => {
    expect(await handshake(openTcp(broker.port), connect311('u1', { username: 'alice', password: 's3cret' }))).toEqual(
      CONNACK_OK,
    );
    expect(await handshake(openTcp(broker.port), connect311('u2', { username: 'bob', password: 'hunter2' }))).toEqual(
      CONNACK_OK,
    );
  });

  test('a bad password gets return code 5 (not authorized)', async () => {
    const connack = await handshake(openTcp(broker.port), connect311('u3', { username: 'alice', password: 'nope' }));
    expect(connack).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x05]));
  });

  test('anonymous clients are refused', async () => {
    const connack = await handshake(openTcp(broker.port), connect311('anon'));
    expect(connack).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x05]));
  });

  test('the ACL is applied: only allowed/# messages flow', async () => {
    // mosquitto 2.0's acl_file does not refuse SUBSCRIBEs (SUBACK grants the
    // QoS); it filters at publish/delivery time instead.
    const conn = await openTcp(broker.port);
    try {
      conn.send(connect311('u4', { username: 'alice', password: 's3cret' }));
      expect(await conn.nextPacket()).toEqual(CONNACK_OK);
      conn.send(subscribe311(1, 'allowed/x', 0));
      expect(await conn.nextPacket()).toEqual(Buffer.from([0x90, 0x03, 0x00, 0x01, 0x00]));
      conn.send(subscribe311(2, 'forbidden/x', 0));
      expect(await conn.nextPacket()).toEqual(Buffer.from([0x90, 0x03, 0x00, 0x02, 0x00]));
      // QoS 0 publishes, in order: the denied one must not come back before the allowed one.
      conn.send(packet(0x30, Buffer.concat([str('forbidden/x'), Buffer.from('no')])));
      conn.send(packet(0x30, Buffer.concat([str('allowed/x'), Buffer.from('yes')])));
      expect(await conn.nextPacket()).toEqual(packet(0x30, Buffer.concat([str('allowed/x'), Buffer.from('yes')])));
    } finally {
      conn.close();
    }
  });
});

describeWithMosquitto('mosquitto: TLS and websockets', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await startMosquitto({ tls: true, websockets: true });
  });
  afterAll(() => broker?.stop());

  test('exposes distinct ports and the generated certificate files', () => {
    const ports = [broker.port, broker.tlsPort, broker.wsPort, broker.wssPort];
    expect(ports.every((p) => typeof p === 'number' && p > 0)).toBe(true);
    expect(new Set(ports).size).toBe(4);
    const certs = broker.certs!;
    for (const f of [certs.caFile, certs.wrongCaFile, certs.serverCertFile, certs.serverKeyFile, certs.clientCertFile, certs.clientKeyFile]) {
      expect(fs.existsSync(f)).toBe(true);
    }
    expect(certs.caPem).toContain('BEGIN CERTIFICATE');
    expect(certs.dir.startsWith(broker.dir)).toBe(true);
  });

  test('TLS with the test CA (servername localhost) gets CONNACK', async () => {
    const connack = await handshake(openTls({ port: broker.tlsPort!, ca: broker.certs!.caPem }), connect311('tls-1'));
    expect(connack).toEqual(CONNACK_OK);
  });

  test('TLS verifies the IP SAN too (no servername)', async () => {
    const connack = await handshake(
      openTls({ port: broker.tlsPort!, ca: broker.certs!.caPem, servername: undefined }),
      connect311('tls-ip'),
    );
    expect(connack).toEqual(CONNACK_OK);
  });

  test('TLS with the wrong CA fails the handshake', async () => {
    await expect(openTls({ port: broker.tlsPort!, ca: broker.certs!.wrongCaPem })).rejects.toMatchObject({
      code: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/),
    });
  });

  test('websockets: subprotocol mqtt, binary CONNECT gets CONNACK', async () => {
    const connack = await wsHandshake(`ws://127.0.0.1:${broker.wsPort}/`, connect311('ws-1'));
    expect(connack).toEqual(CONNACK_OK);
  });

  test('secure websockets with the test CA gets CONNACK', async () => {
    const connack = await wsHandshake(`wss://127.0.0.1:${broker.wssPort}/`, connect311('wss-1'), {
      ca: broker.certs!.caPem, // verified against the IP SAN 127.0.0.1
    });
    expect(connack).toEqual(CONNACK_OK);
  });

  test('a plain HTTP upgrade request is answered 101 Switching Protocols with mqtt', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: broker.wsPort! });
    const head = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('connect', () =>
        socket.write(
          'GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n',
        ),
      );
      socket.on('data', (d) => {
        text += d.toString('latin1');
        if (text.includes('\r\n\r\n')) resolve(text);
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`closed after ${JSON.stringify(text)}`)));
    });
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 101/);
    expect(head).toMatch(/sec-websocket-protocol: mqtt/i);
    expect(head).toMatch(/sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i);
  });
});

describeWithMosquitto('mosquitto: TLS requiring a client certificate', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await startMosquitto({ tls: { requireCertificate: true } });
  });
  afterAll(() => broker?.stop());

  test('config asks for certificates but keeps usernames independent', () => {
    const conf = fs.readFileSync(broker.configFile, 'utf8');
    expect(conf).toMatch(/^require_certificate true$/m);
    expect(conf).toMatch(/^use_identity_as_username false$/m);
  });

  test('works with the client certificate', async () => {
    const { caPem, clientCertFile, clientKeyFile } = broker.certs!;
    const connack = await handshake(
      openTls({
        port: broker.tlsPort!,
        ca: caPem,
        cert: fs.readFileSync(clientCertFile),
        key: fs.readFileSync(clientKeyFile),
      }),
      connect311('cert-1'),
    );
    expect(connack).toEqual(CONNACK_OK);
  });

  test('fails without a client certificate', async () => {
    // TLS 1.3: the client may finish its side of the handshake before the
    // server's "certificate required" alert arrives, so the failure can
    // surface on connect or while waiting for CONNACK. Either way: no CONNACK.
    await expect(handshake(openTls({ port: broker.tlsPort!, ca: broker.certs!.caPem }), connect311('cert-2'))).rejects.toThrow();
  });

  test('the plain listener is unaffected', async () => {
    expect(await handshake(openTcp(broker.port), connect311('cert-plain'))).toEqual(CONNACK_OK);
  });
});

describeWithMosquitto('mosquitto: lifecycle', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => {
    broker = await startMosquitto({ persistence: true });
  });
  afterAll(() => broker?.stop());

  async function publishRetained(topic: string, payload: string, clientId: string): Promise<void> {
    const conn = await openTcp(broker.port);
    try {
      conn.send(connect311(clientId));
      expect(await conn.nextPacket()).toEqual(CONNACK_OK);
      conn.send(publishRetainedQos1(7, topic, payload));
      expect(await conn.nextPacket()).toEqual(Buffer.from([0x40, 0x02, 0x00, 0x07]));
      // autosave_on_changes saves at the end of the loop iteration that
      // handled the PUBLISH; one more round trip proves that iteration is over.
      conn.send(PINGREQ);
      expect(await conn.nextPacket()).toEqual(Buffer.from([0xd0, 0x00]));
    } finally {
      conn.close();
    }
  }

  async function readRetained(topic: string, clientId: string): Promise<string> {
    const conn = await openTcp(broker.port);
    try {
      conn.send(connect311(clientId));
      expect(await conn.nextPacket()).toEqual(CONNACK_OK);
      conn.send(subscribe311(1, topic, 0));
      expect(await conn.nextPacket()).toEqual(Buffer.from([0x90, 0x03, 0x00, 0x01, 0x00]));
      const pub = await conn.nextPacket();
      expect(pub[0]).toBe(0x31); // PUBLISH, QoS 0, retain
      const topicLen = pub.readUInt16BE(2);
      expect(pub.subarray(4, 4 + topicLen).toString()).toBe(topic);
      return pub.subarray(4 + topicLen).toString();
    } finally {
      conn.close();
    }
  }

  test('restart() keeps the port and the persisted retained message', async () => {
    const oldPid = broker.pid;
    await publishRetained('keep/restart', 'v1', 'life-1');
    await broker.restart();
    expect(broker.pid).not.toBe(oldPid);
    expect(pidAlive(oldPid)).toBe(false);
    expect(await handshake(openTcp(broker.port), connect311('life-2'))).toEqual(CONNACK_OK);
    expect(await readRetained('keep/restart', 'life-3')).toBe('v1');
  });

  test('kill9() ends the process; restart() recovers state saved before the kill', async () => {
    await publishRetained('keep/kill9', 'v2', 'life-4');
    const pid = broker.pid;
    await broker.kill9();
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(openTcp(broker.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(fs.existsSync(broker.dir)).toBe(true);
    await broker.restart();
    expect(await readRetained('keep/kill9', 'life-5')).toBe('v2');
  });

  test('stop() ends the process, removes the temp dir and is idempotent', async () => {
    const other = await startMosquitto();
    const { pid, dir } = other;
    expect(pidAlive(pid)).toBe(true);
    await Promise.all([other.stop(), other.stop()]);
    await other.stop();
    expect(pidAlive(pid)).toBe(false);
    expect(fs.existsSync(dir)).toBe(false);
    await expect(other.restart()).rejects.toThrow(/after stop/);
  });

  test('a broken config fails fast with the broker output in the error', async () => {
    await expect(startMosquitto({ extraConfig: 'no_such_option 1' })).rejects.toThrow(
      /exited early[\s\S]*no_such_option/,
    );
  });
});
