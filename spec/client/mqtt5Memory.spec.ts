/**
 * The Client's MQTT 5 protocol surface on the memory transport, with a scripted broker:
 * enhanced authentication through on_auth (a value or a promise) and reauthenticate(), the
 * assigned client id, the maxPacketSize option, DISCONNECT's session-expiry rule, and a
 * server DISCONNECT reaching on_disconnect with its reason code.
 */
import { Client, ClientOptions, MQTT_CLEAN_START_FIRST_ONLY, MQTT_ERR_CONN_REFUSED, MQTT_ERR_SUCCESS, MQTTv31, MQTTv5, Properties, ReasonCodes } from '../../lib';
import { ValueError } from '../../lib/errors';
import { MemoryBroker } from '../support/memoryBroker';
import { until } from '../support/wait';

/** The in-memory broker on MQTT 5; its clients are MQTT 5 ones (typed so) with the client id 'v5'. */
class V5Broker extends MemoryBroker {
  constructor() {
    super(5, { clientId: 'v5', protocol: MQTTv5 });
  }

  override client(extra: Omit<ClientOptions, 'protocol' | 'callbackApiVersion'> = {}): Client<1, 5> {
    return super.client(extra) as Client<1, 5>;
  }
}

const METHOD = 'SCRAM-SHA-256';

describe('enhanced authentication through on_auth', () => {
  function authBroker(rounds: number): V5Broker {
    const b = new V5Broker();
    let left = rounds;
    b.connackCode = null; // the exchange below answers CONNECT
    b.onPacket = (p, peer) => {
      if (p.type === 'connect' || p.type === 'auth') {
        if (left-- > 0) {
          b.sendTo(peer, { type: 'auth', reasonCode: 0x18, properties: { AuthenticationMethod: METHOD, AuthenticationData: Buffer.from(`challenge-${rounds - left}`) } });
        } else {
          b.sendTo(peer, { type: 'connack', sessionPresent: false, reasonCode: 0, properties: { AuthenticationMethod: METHOD, AuthenticationData: Buffer.from('server-final') } });
        }
      }
    };
    return b;
  }

  test('a value from on_auth answers each AUTH 0x18; CONNACK ends the exchange and on_connect runs', async () => {
    const b = authBroker(2);
    const c = b.client();
    const seen: string[] = [];
    c.on_auth = (_c: Client, _u: unknown, rc: number, props: { AuthenticationData?: Buffer }) => {
      seen.push(`${rc}:${props.AuthenticationData?.toString()}`);
      return { AuthenticationData: Buffer.from(`answer-${seen.length}`) };
    };
    let connack: unknown[] | null = null;
    c.on_connect = (_c: Client, _u: unknown, _f: unknown, rc: ReasonCodes, props: object) => { connack = [Number(rc), { ...props }]; };
    await c.connect('broker', 1883, 0, '', 0, MQTT_CLEAN_START_FIRST_ONLY, { AuthenticationMethod: METHOD, AuthenticationData: Buffer.from('client-first') });
    c.loopStart();
    await until(() => connack !== null, 'on_connect');
    expect(seen).toEqual(['24:challenge-1', '24:challenge-2']);
    expect(b.of('connect')[0].properties).toEqual({ AuthenticationMethod: METHOD, AuthenticationData: Buffer.from('client-first') });
    expect(b.of('auth')).toEqual([
      { type: 'auth', reasonCode: 0x18, properties: { AuthenticationData: Buffer.from('answer-1'), AuthenticationMethod: METHOD } },
      { type: 'auth', reasonCode: 0x18, properties: { AuthenticationData: Buffer.from('answer-2'), AuthenticationMethod: METHOD } },
    ]);
    expect(connack).toEqual([0, { AuthenticationMethod: METHOD, AuthenticationData: Buffer.from('server-final') }]);
    c.disconnect();
    await c.loopStop();
  });

  test('a promise from on_auth works the same; the answer goes out when it resolves', async () => {
    const b = authBroker(1);
    const c = b.client();
    let release: (() => void) | null = null;
    c.on_auth = () => new Promise((resolve) => { release = () => resolve({ AuthenticationData: Buffer.from('later') }); });
    let connected = false;
    c.on_connect = () => { connected = true; };
    await c.connect('broker', 1883, 0, '', 0, MQTT_CLEAN_START_FIRST_ONLY, { AuthenticationMethod: METHOD });
    c.loopStart();
    await until(() => release !== null, 'on_auth');
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(b.of('auth')).toEqual([]);
    release!();
    await until(() => connected, 'on_connect');
    expect(b.of('auth')).toEqual([{ type: 'auth', reasonCode: 0x18, properties: { AuthenticationData: Buffer.from('later'), AuthenticationMethod: METHOD } }]);
    c.disconnect();
    await c.loopStop();
  });

  // The DISCONNECT 0x87 itself is checked at engine level (spec/session/mqtt5.spec.ts): the
  // memory transport drops bytes written just before destroy().
  test('no on_auth (or one returning null, or throwing): no answer, the connection ends before CONNACK (on_disconnect, as any such end)', async () => {
    for (const onAuth of [null, () => null, () => { throw new Error('no credentials'); }]) {
      const b = authBroker(1);
      const c = b.client({ reconnectOnFailure: false });
      c.on_auth = onAuth;
      let failed = false;
      c.on_disconnect = (_c: Client, _u: unknown, rc: number) => { failed = rc === MQTT_ERR_CONN_REFUSED; };
      const lines: string[] = [];
      c.on_log = (_c: Client, _u: unknown, _l: number, line: string) => lines.push(line);
      await c.connect('broker', 1883, 0, '', 0, MQTT_CLEAN_START_FIRST_ONLY, { AuthenticationMethod: METHOD });
      c.loopStart();
      await until(() => failed, 'on_disconnect(MQTT_ERR_CONN_REFUSED)');
      // The session's own line says why (the close adds none, as paho's closes do not).
      expect(lines).toContain("Enhanced authentication: no answer for the server's AUTH; closing");
      expect(b.of('auth')).toEqual([]);
      await c.loopStop();
    }
  });

  test('reauthenticate() sends AUTH 0x19; the server answers reach on_auth (0x18 answered, then 0x00)', async () => {
    const b = authBroker(0);
    const c = b.client();
    const seen: number[] = [];
    c.on_auth = (_c: Client, _u: unknown, rc: number) => {
      seen.push(rc);
      return { AuthenticationData: Buffer.from('re-answer') };
    };
    let connected = false;
    c.on_connect = () => { connected = true; };
    await c.connect('broker', 1883, 0, '', 0, MQTT_CLEAN_START_FIRST_ONLY, { AuthenticationMethod: METHOD });
    c.loopStart();
    await until(() => connected, 'on_connect');
    b.onPacket = (p, peer) => {
      if (p.type === 'auth' && p.reasonCode === 0x19) b.sendTo(peer, { type: 'auth', reasonCode: 0x18, properties: { AuthenticationMethod: METHOD } });
      else if (p.type === 'auth') b.sendTo(peer, { type: 'auth', reasonCode: 0x00, properties: { AuthenticationMethod: METHOD } });
    };
    expect(c.reauthenticate({ AuthenticationData: Buffer.from('re-first') })).toBe(MQTT_ERR_SUCCESS);
    await until(() => seen.length === 2, 'two on_auth calls');
    expect(seen).toEqual([0x18, 0x00]);
    expect(b.of('auth').map((p) => [p.reasonCode, p.properties?.AuthenticationData?.toString()])).toEqual([[0x19, 're-first'], [0x18, 're-answer']]);
    expect(c.isConnected()).toBe(true);
    c.disconnect();
    await c.loopStop();
  });
});

describe('client id, options, DISCONNECT rules', () => {
  test('MQTT 5 without a client id: CONNECT carries an empty one, on every connection (the assigned one is not reused, as paho 2.1)', async () => {
    const b = new V5Broker();
    b.connackProperties = { AssignedClientIdentifier: 'auto-42' };
    const c = new Client({ protocol: MQTTv5, createTransport: () => b.listener.createTransport() });
    expect(c.clientId).toBe('');
    let connected = 0;
    c.on_connect = () => { connected++; };
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await until(() => connected === 1, 'on_connect');
    expect(c.clientId).toBe('');
    await c.reconnect();
    await until(() => connected === 2, 'second on_connect');
    expect(b.of('connect').map((p) => p.clientId)).toEqual(['', '']);
    c.disconnect();
    await c.loopStop();
    // 3.1.1 sends an empty id too; 3.1, which forbids one, a generated one.
    expect(new Client({ createTransport: () => b.listener.createTransport() }).clientId).toBe('');
    expect(new Client({ protocol: MQTTv31, createTransport: () => b.listener.createTransport() }).clientId).toMatch(/^[0-9a-zA-Z]{22}$/);
  });

  test('maxPacketSize: validated at construction, announced in CONNECT', async () => {
    for (const bad of [-1, 1, 1.5, 268435461, 'x']) {
      expect(() => new Client({ protocol: MQTTv5, maxPacketSize: bad as number })).toThrow(ValueError);
      expect(() => new Client({ protocol: MQTTv5, maxPacketSize: bad as number })).toThrow(/maxPacketSize/);
    }
    const b = new V5Broker();
    const c = b.client({ maxPacketSize: 4096 });
    let connected = false;
    c.on_connect = () => { connected = true; };
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await until(() => connected, 'on_connect');
    expect(b.of('connect')[0].properties).toEqual({ MaximumPacketSize: 4096 });
    c.disconnect();
    await c.loopStop();
  });

  test('disconnect() with a SessionExpiryInterval when CONNECT had none: ValueError, still connected, nothing sent', async () => {
    const b = new V5Broker();
    const c = b.client();
    let connected = false;
    c.on_connect = () => { connected = true; };
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await until(() => connected, 'on_connect');
    expect(() => c.disconnect(0, { SessionExpiryInterval: 60 })).toThrow(ValueError);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(c.isConnected()).toBe(true);
    expect(b.of('disconnect')).toEqual([]);
    c.disconnect();
    await c.loopStop();
  });

  test('a server DISCONNECT reaches on_disconnect with its reason code and properties, and on_log with its reason string', async () => {
    const b = new V5Broker();
    const c = b.client({ reconnectOnFailure: false });
    let connected = false;
    c.on_connect = () => { connected = true; };
    const lines: string[] = [];
    c.on_log = (_c: Client, _u: unknown, _l: number, line: string) => lines.push(line);
    let gone: unknown[] | null = null;
    c.on_disconnect = (_c: Client, _u: unknown, rc: ReasonCodes | number, props: Properties | undefined) => { gone = [Number(rc), { ...props }]; }; // ReasonCodes, Properties
    await c.connect('broker', 1883, 0);
    c.loopStart();
    await until(() => connected, 'on_connect');
    b.send({ type: 'disconnect', reasonCode: 0x8e, properties: { ReasonString: 'taken over' } });
    await until(() => gone !== null, 'on_disconnect');
    expect(gone).toEqual([0x8e, { ReasonString: 'taken over' }]);
    expect(lines).toContain('Received DISCONNECT Session taken over [ReasonString : taken over]');
    await c.loopStop();
  });
});
