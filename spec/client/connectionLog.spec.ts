/**
 * The Client's log lines about the connection (not about packets), as paho 1.6.1 and 2.1.0 write
 * them: both were run against scripted servers doing what these do, and logged exactly the lines
 * (and callbacks, in this order) expected here. Packet lines appear as paho writes them
 * (spec/session/log.spec.ts); the connection itself adds only "Connection failed, retrying"
 * (DEBUG, a background attempt whose socket could not be opened) and "failed to receive on
 * socket: ..." (ERR, a socket error), and for bytes of no packet type paho's "Error: Unrecognised
 * command N" (ERR). A refused socket under connect(), a close the client
 * decided (keepalive, refusing CONNACK), an orderly close by the broker and the wait before a
 * reconnect log nothing. Memory transport, scripted broker, fake clock.
 */
import { Client, MQTT_LOG_DEBUG, MQTT_LOG_ERR, MQTTv311 } from '../../lib';
import { MemoryBroker } from '../support/memoryBroker';
import { advance, FAKE_T0, useFakeClock } from '../support/wait';

type Script = 'accept' | 'refuse' | 'silent';

/** Bytes that start no packet: a fixed header of type 15 (before MQTT 5) or 0. */
const GARBAGE: Record<number, Buffer> = { 240: Buffer.from([0xf0, 0x00]), 0: Buffer.from([0x00, 0x00]) };

/** The in-memory broker, told in one word how to answer CONNECT and PINGREQ. */
class Broker extends MemoryBroker {
  constructor() {
    super(4, { clientId: 'x', protocol: MQTTv311, reconnectOnFailure: true, clock: () => Date.now() });
  }

  set script(s: Script) {
    this.connackCode = s === 'refuse' ? 5 : 0;
    this.answerPings = s !== 'silent';
  }
}

/** Log lines ("LOG level text") and callbacks, in order, with the fake clock's time of attempts. */
function record(c: Client): { seen: string[]; attempts: number[] } {
  const seen: string[] = [];
  const attempts: number[] = [];
  c.on_log = (_c: Client, _u: unknown, level: number, text: string) => { seen.push(`LOG ${level} ${text}`); };
  c.on_pre_connect = () => { attempts.push(Date.now()); };
  c.on_connect = (_c: Client, _u: unknown, _f: unknown, rc: number) => { seen.push(`connect ${rc}`); };
  c.on_connect_fail = () => { seen.push('connect_fail'); };
  c.on_disconnect = (_c: Client, _u: unknown, rc: number) => { seen.push(`disconnect ${rc}`); };
  c.on_socket_close = () => { seen.push('socket_close'); };
  return { seen, attempts };
}

const T0 = FAKE_T0;
useFakeClock();

const CONNECT_LINE = `LOG ${MQTT_LOG_DEBUG} Sending CONNECT (u0, p0, wr0, wq0, wf0, c1, k2) client_id=b'x'`;

describe('connection log lines are paho\'s', () => {
  test('background attempts that cannot open their socket: on_connect_fail, then "Connection failed, retrying" (DEBUG), each; the waits log nothing and double up to the maximum', async () => {
    const b = new Broker();
    b.refuseSockets = Infinity;
    const c = b.client();
    c.reconnectDelaySet(1, 4);
    const { seen, attempts } = record(c);
    c.connectAsync('broker', 1883, 2);
    const done = c.loopForever(1, true);
    await advance(0);
    for (let i = 0; i < 12; i++) await advance(1000);
    const failed = ['connect_fail', `LOG ${MQTT_LOG_DEBUG} Connection failed, retrying`];
    expect(seen).toEqual([...failed, ...failed, ...failed, ...failed, ...failed]);
    // 1, 2, 4, 4 s between attempts (reconnectDelaySet(1, 4)); the waits are silent, as paho's _reconnect_wait.
    expect(attempts.map((t) => t - T0)).toEqual([0, 1000, 3000, 7000, 11000]);

    // The broker comes back: CONNACK resets the backoff; an orderly close by the broker logs
    // nothing of its own, and the next attempt waits the minimum again.
    b.refuseSockets = 0;
    seen.length = 0;
    await advance(4000);
    expect(attempts.map((t) => t - T0)).toEqual([0, 1000, 3000, 7000, 11000, 15000]);
    b.peer.close();
    const closedAt = Date.now();
    await advance(0);
    expect(seen).toEqual([CONNECT_LINE, `LOG ${MQTT_LOG_DEBUG} Received CONNACK (0, 0)`, 'connect 0', 'socket_close', 'disconnect 7']);
    await advance(1000);
    expect(attempts).toHaveLength(7);
    expect(attempts[6] - closedAt).toBe(1000);
    c.disconnect();
    await done;
  });

  test('an exception in on_connect_fail is logged and never ends the loop, even with suppressExceptions = false (as paho)', async () => {
    const b = new Broker();
    b.refuseSockets = Infinity;
    const c = b.client();
    c.suppressExceptions = false;
    c.reconnectDelaySet(1, 1);
    const { seen } = record(c);
    c.on_connect_fail = () => { seen.push('connect_fail'); throw new Error('fail handler broke'); };
    let ended = false;
    c.connectAsync('broker', 1883, 2);
    const done = c.loopForever(1, true).finally(() => { ended = true; });
    await advance(0);
    await advance(1000);
    const failed = ['connect_fail', `LOG ${MQTT_LOG_ERR} Caught exception in on_connect_fail: fail handler broke`, `LOG ${MQTT_LOG_DEBUG} Connection failed, retrying`];
    expect(seen).toEqual([...failed, ...failed]);
    expect(ended).toBe(false);
    c.disconnect();
    await done;
  });

  test('connect() to a refused socket rejects and logs nothing (paho raises)', async () => {
    const b = new Broker();
    b.refuseSockets = Infinity;
    const c = b.client();
    const { seen } = record(c);
    await expect(c.connect('broker', 1883, 2)).rejects.toThrow('ECONNREFUSED');
    expect(seen).toEqual([]);
  });

  test('a socket error: "failed to receive on socket: <error>" (ERR), before on_socket_close and on_disconnect', async () => {
    const b = new Broker();
    const c = b.client({ reconnectOnFailure: false });
    const { seen } = record(c);
    await c.connect('broker', 1883, 2);
    const done = c.loopForever();
    await advance(0);
    b.peer.close(new Error('read ECONNRESET'));
    await advance(0);
    await done;
    expect(seen).toEqual([
      CONNECT_LINE, `LOG ${MQTT_LOG_DEBUG} Received CONNACK (0, 0)`, 'connect 0',
      `LOG ${MQTT_LOG_ERR} failed to receive on socket: read ECONNRESET`, 'socket_close', 'disconnect 7',
    ]);
  });

  test('a dead keepalive: the PINGREQ line, then on_disconnect (MQTT_ERR_KEEPALIVE) with no line of its own', async () => {
    const b = new Broker();
    b.script = 'silent';
    const c = b.client({ reconnectOnFailure: false });
    const { seen } = record(c);
    await c.connect('broker', 1883, 2);
    const done = c.loopForever();
    for (let i = 0; i < 6 && !seen.includes('disconnect 16'); i++) await advance(1000);
    await done;
    expect(seen).toEqual([
      CONNECT_LINE, `LOG ${MQTT_LOG_DEBUG} Received CONNACK (0, 0)`, 'connect 0', `LOG ${MQTT_LOG_DEBUG} Sending PINGREQ`, 'socket_close', 'disconnect 16',
    ]);
  });

  test.each([240, 0])('bytes of no packet type (command %i): "Error: Unrecognised command N" (ERR), then on_disconnect (MQTT_ERR_PROTOCOL)', async (command) => {
    const b = new Broker();
    const c = b.client({ reconnectOnFailure: false });
    const { seen } = record(c);
    await c.connect('broker', 1883, 2);
    const done = c.loopForever();
    await advance(0);
    b.peer.write(GARBAGE[command]);
    await advance(0);
    await done;
    expect(seen).toEqual([
      CONNECT_LINE, `LOG ${MQTT_LOG_DEBUG} Received CONNACK (0, 0)`, 'connect 0',
      `LOG ${MQTT_LOG_ERR} Error: Unrecognised command ${command}`, 'socket_close', 'disconnect 2',
    ]);
  });

  test('a refusing CONNACK: its packet line, on_connect and on_disconnect, no line of its own', async () => {
    const b = new Broker();
    b.script = 'refuse';
    const c = b.client({ reconnectOnFailure: false });
    const { seen } = record(c);
    await c.connect('broker', 1883, 2);
    const done = c.loopForever();
    await advance(0);
    await done;
    expect(seen).toEqual([CONNECT_LINE, `LOG ${MQTT_LOG_DEBUG} Received CONNACK (0, 5)`, 'connect 5', 'socket_close', 'disconnect 5']);
  });
});
