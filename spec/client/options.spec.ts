/*
 * The Client's constructor options: an unknown option is a ValueError naming it and the
 * closest known one (paho's constructor raises TypeError for an unknown keyword), in
 * `new Client(...)` and `reinitialise(...)`; every keyword of paho 2.1's Client has its
 * camelCase option; `transport` in any case, as paho lowercases it.
 */
import { CallbackAPIVersion, Client, MQTTv311, ValueError } from '../../lib';
import type { ConnectTarget } from '../../lib/client/options';
import { closestName } from '../../lib/closestName';
import { MemoryBroker } from '../support/memoryBroker';

function valueError(fn: () => unknown): ValueError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValueError);
    return e as ValueError;
  }
  throw new Error('no ValueError thrown');
}

describe('Client options', () => {
  test("a misspelt option is refused with the closest known name: 'cleanSesion'", () => {
    const err = valueError(() => new Client({ clientId: 'keep-me', cleanSesion: false } as never));
    expect(err.message).toBe("unknown option 'cleanSesion' (did you mean 'cleanSession'?)");
  });

  test.each([
    ['client_id', 'clientId'],
    ['clean_session', 'cleanSession'],
    ['callback_api_version', 'callbackApiVersion'],
    ['reconnect_on_failure', 'reconnectOnFailure'],
    ['manual_ack', 'manualAck'],
    ['userData', 'userdata'],
    ['protocoll', 'protocol'],
    ['trasnport', 'transport'],
    ['maxPacketSise', 'maxPacketSize'],
  ])("paho's or a misspelt name %p points at %p", (given, known) => {
    expect(valueError(() => new Client({ [given]: 'x' } as never)).message).toBe(`unknown option '${given}' (did you mean '${known}'?)`);
  });

  test('an option far from every known one is refused without a guess', () => {
    expect(valueError(() => new Client({ colour: 'red' } as never)).message).toBe("unknown option 'colour'");
  });

  test("paho 2.x's positional form checks the options too", () => {
    expect(valueError(() => new Client(CallbackAPIVersion.VERSION2, { clientid: 'a' } as never)).message)
      .toBe("unknown option 'clientid' (did you mean 'clientId'?)");
  });

  test("every keyword of paho 2.1's Client is accepted in camelCase, and mqttloop's own options", () => {
    const broker = new MemoryBroker();
    expect(() => new Client({
      callbackApiVersion: CallbackAPIVersion.VERSION2, clientId: 'all', cleanSession: false, userdata: { a: 1 },
      protocol: MQTTv311, transport: 'tcp', reconnectOnFailure: false, manualAck: true,
      createTransport: () => broker.listener.createTransport(), clock: () => 0, maxPacketSize: 1024, store: undefined,
    })).not.toThrow();
  });

  test('reinitialise() refuses a misspelt option and leaves the client as it was', () => {
    const c = new Client({ clientId: 'before' });
    const onConnect = (): void => undefined;
    c.on_connect = onConnect;
    c.userDataSet('kept');
    expect(valueError(() => c.reinitialise({ clientId: 'after', cleanSesion: false } as never)).message)
      .toBe("unknown option 'cleanSesion' (did you mean 'cleanSession'?)");
    expect(c.on_connect).toBe(onConnect); // no teardown happened
    c.reinitialise({ clientId: 'after', cleanSession: false });
    expect(c.on_connect).toBeNull();
  });

  test.each([
    ['TCP', 'tcp'],
    ['WebSockets', 'websockets'],
    ['tcp', 'tcp'],
  ])('transport %p is taken as %p (paho lowercases it)', async (given, used) => {
    const broker = new MemoryBroker();
    const targets: ConnectTarget[] = [];
    const c = new Client({
      clientId: 't', transport: given as never, clock: () => Date.now(),
      createTransport: (target) => {
        targets.push(target);
        return broker.listener.createTransport();
      },
    });
    await c.connect('broker.invalid', 1883, 60);
    expect(targets.map((t) => t.transport)).toEqual([used]);
    c.disconnect();
  });

  test('a transport that is not one of the three is refused', () => {
    expect(valueError(() => new Client({ transport: 'ftp' as never })).message).toBe("transport: must be 'tcp', 'websockets' or 'unix', got ftp");
    expect(valueError(() => new Client({ transport: 7 as never })).message).toMatch(/^transport: /);
  });
});

describe('closestName', () => {
  const known = ['keepAlive', 'pingDelay', 'defaultQos', 'cleansession'];
  test.each([
    ['keep_alive', 'keepAlive'],
    ['KEEPALIVE', 'keepAlive'],
    ['keepAlvie', 'keepAlive'],
    ['ping-delay', 'pingDelay'],
    ['cleanSession', 'cleansession'],
    ['defaultqos', 'defaultQos'],
    ['zzz', undefined],
    ['q', undefined],
  ])('%p -> %p', (name, expected) => {
    expect(closestName(name, known)).toBe(expected);
  });
});
