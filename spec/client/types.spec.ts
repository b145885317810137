/**
 * Typed callbacks and events, checked the way a user meets them: lib/ is compiled to the
 * declarations `npm run build` publishes (stripInternal), then small strict-mode programs that
 * import 'mqttloop' are compiled against them in one program. Programs that must compile have
 * no diagnostics; in those that must not, every line marked `// @error TSnnnn` has that
 * diagnostic and no other line has any. The paho program ports (spec/paho/ports/*.ts), when
 * present, must compile too.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');

/** Checks shared by the programs: exact types, and "not any". */
const PRELUDE = `
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
export function expectType<T>() { return <A>(value: A, ok: Equal<A, T>): void => { void value; void ok; }; }
type IsAny<T> = 0 extends 1 & T ? true : false;
export function notAny<T>(value: T, ok: IsAny<T> extends true ? never : true): void { void value; void ok; }
`;

/** Programs that must compile. */
const GOOD: Record<string, string> = {
  // paho 1.x's default: VERSION1 on MQTT 3.1.1, as `new Client()` runs.
  'v1_mqtt311.ts': `
import { Client, MQTTMessage, MQTTv311, ConnectFlags, CallbackOnConnect_v1_mqtt3, CallbackOnMessage, CallbackOnSubscribe_v1_mqtt3 } from 'mqttloop';
import { expectType, notAny } from './prelude';

const client = new Client();
client.on_connect = (client, userdata, flags, rc) => {
  notAny(client, true); notAny(userdata, true); notAny(flags, true); notAny(rc, true);
  expectType<number>()(rc, true);
  expectType<ConnectFlags>()(flags, true);
  if (rc === 0) client.subscribe('a/#', 1);
};
client.on_message = (client, userdata, msg) => {
  expectType<MQTTMessage>()(msg, true);
  console.log(msg.topic.toUpperCase(), msg.payload.toString(), msg.qos, msg.retain);
};
client.on_subscribe = (client, userdata, mid, grantedQos) => { expectType<number[]>()(grantedQos, true); expectType<number>()(mid, true); };
client.on_unsubscribe = (client, userdata, mid) => { expectType<number>()(mid, true); };
client.on_publish = (client, userdata, mid) => { expectType<number>()(mid, true); };
client.on_disconnect = (client, userdata, rc) => { expectType<number>()(rc, true); };
client.on_log = (client, userdata, level, buf) => { expectType<number>()(level, true); expectType<string>()(buf, true); };
client.on_connect_fail = (client, userdata) => { notAny(userdata, true); };
client.on_message = null;
client.messageCallbackAdd('a/b', (client, userdata, msg) => { msg.topic.toUpperCase(); });
client.messageCallbackAdd('a/c', async (client, userdata, msg) => { await Promise.resolve(msg.mid); });

// paho-style named handlers, with and without the exported type names.
function on_message(client: Client, userdata: unknown, msg: MQTTMessage) { console.log(msg.topic); }
client.on_message = on_message;
const on_connect: CallbackOnConnect_v1_mqtt3 = (client, userdata, flags, rc) => { flags.sessionPresent; rc.toFixed(); };
client.on_connect = on_connect;
const on_subscribe: CallbackOnSubscribe_v1_mqtt3 = (client, userdata, mid, granted) => { granted.map((q) => q + 1); };
client.on_subscribe = on_subscribe;
const handler: CallbackOnMessage = (client, userdata, msg) => { msg.payload.length; };
client.messageCallbackAdd('x/#', handler);

// Events carry the callback's arguments after client and userdata.
client.on('message', (msg) => { expectType<MQTTMessage>()(msg, true); msg.topic.toUpperCase(); });
client.on('connect', (flags, rc) => { expectType<number>()(rc, true); flags['session present']; });
client.on('disconnect', (rc) => { expectType<number>()(rc, true); });
client.once('subscribe', (mid, granted) => { expectType<number[]>()(granted, true); });
client.on('log', (level, buf) => { buf.toUpperCase(); });
client.on('error', (e) => { notAny(e, true); });
client.listenerCount('message');

// The other constructor forms keep VERSION1 / MQTT 3.x.
const c2 = new Client('sensor-1');
c2.on_connect = (c, u, f, rc) => { expectType<number>()(rc, true); };
const c3 = new Client({ clientId: 'sensor-1', cleanSession: true, userdata: null, protocol: MQTTv311, transport: 'tcp' });
c3.on_connect = (c, u, f, rc) => { expectType<number>()(rc, true); };
c3.userDataSet({ any: 'thing' });

// Typed userdata, inferred from the options.
const counted = new Client({ userdata: { count: 0 } });
counted.on_message = (c, userdata, msg) => { userdata.count += msg.payload.length; };

// A paho program's subclass (paho's client_sub-class.py).
class MyMQTTClass extends Client {
  constructor() {
    super();
    this.on_message = (c, u, msg) => { msg.topic.toUpperCase(); };
  }
  run(): void { this.subscribe('$SYS/#', 0); }
}
new MyMQTTClass().run();

// The one-shot helper's callback is an on_message handler.
import { callback } from 'mqttloop/subscribe';
void callback((client, userdata, msg) => { msg.topic.toUpperCase(); notAny(userdata, true); }, 'a/#', { hostname: 'localhost' });
void callback((client: Client, userdata: { tag: string }, msg: MQTTMessage) => { userdata.tag; }, ['a/#'], { userdata: { tag: 'U' } });
`,

  // paho 2.x: VERSION2 on MQTT 5.
  'v2_mqtt5.ts': `
import {
  CallbackAPIVersion, Client, MQTTv5, MQTTMessage, Properties, ReasonCodes, DisconnectFlags, ConnectFlags,
  CallbackOnConnect_v2, CallbackOnDisconnect_v2, CallbackOnSubscribe_v2, CallbackOnUnsubscribe_v2, CallbackOnPublish_v2,
} from 'mqttloop';
import { expectType, notAny } from './prelude';

const client = new Client({ callbackApiVersion: CallbackAPIVersion.VERSION2, protocol: MQTTv5 });
client.on_connect = (client, userdata, flags, reasonCode, properties) => {
  notAny(reasonCode, true); notAny(properties, true);
  expectType<ReasonCodes>()(reasonCode, true);
  expectType<Properties>()(properties, true);
  const present: boolean = flags.session_present;
  if (reasonCode.isFailure) console.log(reasonCode.getName(), present);
  else client.subscribe('jobs/#', 2);
};
client.on_disconnect = (client, userdata, flags, reasonCode, properties) => {
  expectType<DisconnectFlags>()(flags, true);
  if (flags.is_disconnect_packet_from_server) console.log(reasonCode.value, properties.ReasonString);
};
client.on_subscribe = (client, userdata, mid, reasonCodes, properties) => { expectType<ReasonCodes[]>()(reasonCodes, true); reasonCodes[0].isFailure; };
client.on_unsubscribe = (client, userdata, mid, reasonCodes, properties) => { expectType<ReasonCodes[]>()(reasonCodes, true); };
client.on_publish = (client, userdata, mid, reasonCode, properties) => { expectType<ReasonCodes>()(reasonCode, true); };
client.on_message = (client, userdata, msg) => { msg.properties?.UserProperty; msg.topic.toUpperCase(); };
client.on_pre_connect = (client, userdata) => {};
client.on_auth = (client, userdata, reasonCode, properties) => ({ AuthenticationData: Buffer.from('x') });

// The exported names fit the slots.
const on_connect: CallbackOnConnect_v2 = (client, userdata, flags, reasonCode, properties) => { reasonCode.getName(); };
const on_disconnect: CallbackOnDisconnect_v2 = (client, userdata, flags, reasonCode, properties) => { flags.isDisconnectPacketFromServer; };
const on_subscribe: CallbackOnSubscribe_v2 = (client, userdata, mid, reasonCodes, properties) => {};
const on_unsubscribe: CallbackOnUnsubscribe_v2 = (client, userdata, mid, reasonCodes, properties) => {};
const on_publish: CallbackOnPublish_v2 = (client, userdata, mid, reasonCode, properties) => {};
client.on_connect = on_connect;
client.on_disconnect = on_disconnect;
client.on_subscribe = on_subscribe;
client.on_unsubscribe = on_unsubscribe;
client.on_publish = on_publish;

// Handlers annotated with the bare Client type, userdata as unknown (paho ports do this).
function on_message(client: Client, userdata: unknown, message: MQTTMessage) { message.topic; }
function on_connect2(client: Client, userdata: unknown, flags: ConnectFlags, reasonCode: ReasonCodes, properties: Properties) {}
client.on_message = on_message;
client.on_connect = on_connect2;

client.on('connect', (flags, reasonCode, properties) => { expectType<ReasonCodes>()(reasonCode, true); flags.session_present; });
client.on('disconnect', (flags, reasonCode) => { flags.isDisconnectPacketFromServer; reasonCode.getName(); });
client.on('subscribe', (mid, reasonCodes, properties) => { reasonCodes.map((r) => r.value); });
client.on('auth', (reasonCode, properties) => { properties.AuthenticationMethod; });

// paho 2.x's positional form, and VERSION2 on MQTT 3.1.1.
const positional = new Client(CallbackAPIVersion.VERSION2, { clientId: 'w1', protocol: MQTTv5, userdata: 'w1' });
positional.on_connect = (c, userdata, flags, reasonCode) => { reasonCode.getName(); userdata.toUpperCase(); };
const v2on3 = new Client(CallbackAPIVersion.VERSION2);
v2on3.on_connect = (c, u, flags, reasonCode, properties) => { expectType<ReasonCodes>()(reasonCode, true); };
v2on3.on_unsubscribe = (c, u, mid, reasonCodes) => { expectType<ReasonCodes[]>()(reasonCodes, true); };

// A function taking any Client accepts them all.
function setup(c: Client): void { c.on_message = (cl, u, m) => { m.topic; }; }
setup(client); setup(positional); setup(v2on3); setup(new Client());

// A subclass names its mode as the base's type arguments.
class Worker extends Client<2, 5> {
  constructor() {
    super(CallbackAPIVersion.VERSION2, { protocol: MQTTv5 });
    this.on_connect = (c, u, flags, reasonCode, properties) => { reasonCode.getName(); flags.session_present; };
  }
}
setup(new Worker());
`,

  // paho 1.x on MQTT 5: VERSION1's MQTT 5 forms.
  'v1_mqtt5.ts': `
import { Client, MQTTv5, Properties, ReasonCodes, CallbackOnConnect_v1_mqtt5, CallbackOnUnsubscribe_v1_mqtt5 } from 'mqttloop';
import { expectType } from './prelude';

const client = new Client({ protocol: MQTTv5 });
client.on_connect = (client, userdata, flags, reasonCode, properties) => { expectType<ReasonCodes>()(reasonCode, true); flags.sessionPresent; };
client.on_disconnect = (client, userdata, reasonCode, properties) => {
  expectType<ReasonCodes | number>()(reasonCode, true);
  expectType<Properties | undefined>()(properties, true);
};
client.on_subscribe = (client, userdata, mid, reasonCodes, properties) => { expectType<ReasonCodes[]>()(reasonCodes, true); };
client.on_unsubscribe = (client, userdata, mid, properties, reasonCodes) => { expectType<ReasonCodes | ReasonCodes[]>()(reasonCodes, true); };
client.on_publish = (client, userdata, mid) => { expectType<number>()(mid, true); };
const on_connect: CallbackOnConnect_v1_mqtt5 = (c, u, f, rc, p) => {};
const on_unsubscribe: CallbackOnUnsubscribe_v1_mqtt5 = (c, u, mid, p, rcs) => {};
client.on_connect = on_connect;
client.on_unsubscribe = on_unsubscribe;
client.on('connect', (flags, reasonCode, properties) => { reasonCode.getName(); });
`,

  // Version or protocol known only at run time: every mode's arguments, never any.
  'wide.ts': `
import { CallbackAPIVersion, CallbackAPIVersionValue, Client, ClientOptions, Properties, ReasonCodes, DisconnectFlags,
  CallbackOnConnect, CallbackOnConnect_v1_mqtt3, CallbackOnConnect_v2, CallbackFor } from 'mqttloop';
import { expectType, notAny } from './prelude';

declare const version: CallbackAPIVersionValue;
declare const opts: ClientOptions;
const a = new Client({ callbackApiVersion: version });
a.on_connect = (client, userdata, flags, rc, properties) => {
  notAny(rc, true);
  expectType<number | ReasonCodes>()(rc, true);
  expectType<Properties | undefined>()(properties, true);
};
a.on_disconnect = (client, userdata, rcOrFlags) => { expectType<number | ReasonCodes | DisconnectFlags>()(rcOrFlags, true); };
// A handler written for one mode fits.
const v1: CallbackOnConnect_v1_mqtt3 = (c, u, f, rc) => {};
const v2: CallbackOnConnect_v2 = (c, u, f, rc, p) => {};
a.on_connect = v1;
a.on_connect = v2;
const any: CallbackOnConnect = v2;
const b = new Client(opts);
b.on_connect = (c, u, f, rc: number) => {};
b.on('connect', (flags, rc) => { expectType<number | ReasonCodes>()(rc, true); });
// The per-slot lookup, for decorator-style registration.
type V2Connect = CallbackFor<'on_connect', typeof CallbackAPIVersion.VERSION2, 5, unknown>;
const looked: V2Connect = (c, u, flags, reasonCode, properties) => { reasonCode.getName(); flags.session_present; };
`,
  // paho's forms the Properties, subscribe.simple and publish.multiple take, as ports write them.
  'paho_forms.ts': `
import { Client, MQTTMessage, PacketTypes, Properties } from 'mqttloop';
import * as publish from 'mqttloop/publish';
import * as subscribe from 'mqttloop/subscribe';
import { expectType } from './prelude';

// The repeatable properties: one entry or a list on assignment, a list when read.
const props = new Properties(PacketTypes.PUBLISH);
props.UserProperty = ['origin', 'pub_opts'];
props.UserProperty = [['n', '1'], ['quote', "it's"]];
const pair = ['k', 'v'] as const;
props.UserProperty = pair;
props.UserProperty = [pair];
props.SubscriptionIdentifier = 5;
props.SubscriptionIdentifier = [6, 7];
function read(p: Properties) {
  expectType<[string, string][] | undefined>()(p.UserProperty, true);
  expectType<number[] | undefined>()(p.SubscriptionIdentifier, true);
  p.SubscriptionIdentifier![0].toFixed();
}
read(props);
new Client().publish('a/b', 'x', 1, false, props);

// The types a helpers-only program annotates its callback with are mqttloop's.
expectType<MQTTMessage>()(null as unknown as subscribe.MQTTMessage, true);
expectType<Client>()(null as unknown as subscribe.Client, true);
function on_message(client: subscribe.Client, userdata: unknown, message: subscribe.MQTTMessage) { message.topic; client.disconnect(); }

async function main(n: number, opts: subscribe.SimpleOptions) {
  // simple(): one message for msgCount absent or 1, a list for any other literal, either for a number.
  expectType<MQTTMessage>()(await subscribe.simple('a/#'), true);
  expectType<MQTTMessage>()(await subscribe.simple('a/#', { hostname: 'localhost' }), true);
  expectType<MQTTMessage>()(await subscribe.simple(['a', 'b'], { msgCount: 1, qos: 1 }), true);
  expectType<MQTTMessage[]>()(await subscribe.simple('a/#', { qos: 2, msgCount: 3, retained: true }), true);
  expectType<MQTTMessage | MQTTMessage[]>()(await subscribe.simple('a/#', { msgCount: n }), true);
  expectType<MQTTMessage | MQTTMessage[]>()(await subscribe.simple('a/#', opts), true);
  const got = await subscribe.simple('a/#', { msgCount: 3 });
  for (const m of got) m.topic.toUpperCase();

  // multiple(): dicts and tuples as literals, an unannotated list, a .map() result, readonly tuples.
  const msgs = [
    { 'topic': 'a/1', 'payload': 'one', 'retain': true },
    ['a/2', 'two', 1, true],
    { 'topic': 'a/3', 'payload': 'three', 'qos': 2, 'retain': true },
  ];
  await publish.multiple(msgs);
  await publish.multiple([['a'], ['b', null], ['c', Buffer.from('x'), 1], ['d', 5, 2, false], { topic: 'e' }]);
  await publish.multiple(got.map((m) => [m.topic, null, 0, true]));
  await publish.multiple(got.map((m) => ({ topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain })));
  await publish.multiple([['a', 'x', 1, false, props], { topic: 'b', properties: props }]);
  const tuple = ['a', 'x', 1, true] as const;
  await publish.multiple([tuple]);
  const one: publish.PublishMessage = { topic: 'a' };
  await publish.multiple([one]);
  await subscribe.callback(on_message, 'a/#');
}
void main;
`,
};

/** Programs that must not compile: each marked line fails with that diagnostic. */
const BAD: Record<string, string> = {
  'bad_message.ts': `
import { Client, MQTTMessage } from 'mqttloop';
const client = new Client();
client.on_message = (client, userdata, msg) => { msg.nonexistent; }; // @error TS2339
client.on_message = (client, userdata, msg: string) => {}; // @error TS2322
client.messageCallbackAdd('a/#', (client, userdata, msg: number) => {}); // @error TS2345
client.on('message', (msg: string) => {}); // @error TS2345
client.on('mesage', () => {}); // @error TS2345
client.on_message = (client: Client, userdata: unknown, msg: MQTTMessage, extra: string) => {}; // @error TS2322
`,
  'bad_v1_mqtt311.ts': `
import { Client, ConnectFlags, ReasonCodes, Properties, CallbackOnConnect_v2 } from 'mqttloop';
const client = new Client();
client.on_connect = (client, userdata, flags, rc) => { rc.getName(); }; // @error TS2339
client.on_connect = (client, userdata, flags, rc: ReasonCodes) => {}; // @error TS2322
client.on_connect = (client: Client, userdata: unknown, flags: ConnectFlags, rc: number, properties: Properties) => {}; // @error TS2322
client.on_subscribe = (client, userdata, mid, granted) => { granted[0].isFailure; }; // @error TS2339
client.on_disconnect = (client, userdata, rc) => { rc.getName(); }; // @error TS2339
const v2: CallbackOnConnect_v2 = (c, u, f, rc, p) => {};
client.on_connect = v2; // @error TS2322
client.on('connect', (flags, rc: ReasonCodes) => {}); // @error TS2345
`,
  'bad_v2_mqtt5.ts': `
import { CallbackAPIVersion, Client, MQTTv5, CallbackOnDisconnect_v1_mqtt3 } from 'mqttloop';
const client = new Client({ callbackApiVersion: CallbackAPIVersion.VERSION2, protocol: MQTTv5 });
client.on_disconnect = (client, userdata, rc: number) => {}; // @error TS2322
client.on_connect = (client, userdata, flags, reasonCode) => { reasonCode.toFixed(); }; // @error TS2339
client.on_subscribe = (client, userdata, mid, codes: number[]) => {}; // @error TS2322
const v1: CallbackOnDisconnect_v1_mqtt3 = (c, u, rc) => {};
client.on_disconnect = v1; // @error TS2322
client.on('disconnect', (rc: number) => {}); // @error TS2345
client.on_auth = (client, userdata, reasonCode, properties) => 'answer'; // @error TS2322
`,
  'bad_helper.ts': `
import { callback } from 'mqttloop/subscribe';
void callback((client, userdata, msg: string) => {}, 'a/#'); // @error TS2345
`,
  'bad_paho_forms.ts': `
import { PacketTypes, Properties } from 'mqttloop';
import * as publish from 'mqttloop/publish';
import * as subscribe from 'mqttloop/subscribe';
const props = new Properties(PacketTypes.PUBLISH);
props.UserProperty = ['only-key']; // @error TS2322
props.UserProperty = [['k', 1]]; // @error TS2322
props.UserProperty = 'k'; // @error TS2322
props.SubscriptionIdentifier = '5'; // @error TS2322
const notOne: number = props.SubscriptionIdentifier!; // @error TS2322
new subscribe.Client(); // @error TS2339
async function main() {
  const many = await subscribe.simple('a/#', { msgCount: 3 });
  many.topic; // @error TS2339
  const one = await subscribe.simple('a/#', { msgCount: 1 });
  one.length; // @error TS2339
  await subscribe.simple('a/#', { msgCount: '3' }); // @error TS2769
  await publish.multiple([{ payload: 'x' }]); // @error TS2345
  await publish.multiple([{ topic: 'a', qoss: 1 }]); // @error TS2345
  await publish.multiple([['a', { x: 1 }]]); // @error TS2345
  await publish.multiple(['a/b']); // @error TS2345
}
void main;
`,
};

interface Diag { file: string; line: number; code: number; text: string }

function diagnosticsOf(program: ts.Program): Diag[] {
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const file = d.file ? path.basename(d.file.fileName) : '(global)';
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return { file, line, code: d.code, text: ts.flattenDiagnosticMessageText(d.messageText, '\n') };
  });
}

/** The `// @error TSnnnn` marks of a program: "line:code". */
function expectedMarks(source: string): string[] {
  const out: string[] = [];
  source.split('\n').forEach((text, i) => {
    const m = /\/\/ @error TS(\d+)/.exec(text);
    if (m) out.push(`${i + 1}:${m[1]}`);
  });
  return out;
}

/** The paho program ports, when the differential suite is there. */
function portFiles(): string[] {
  const dir = path.join(ROOT, 'spec/paho/ports');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
}

describe('typed callbacks and events (compiled against the published declarations)', () => {
  let tmp: string;
  let diags: Diag[];

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttloop-types-'));
    const dist = path.join(tmp, 'dist');

    // 1. lib/ to declarations, as `npm run build` does (tsconfig.build.json: stripInternal).
    const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.build.json'), {}, {
      ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
    })!;
    const build = ts.createProgram(config.fileNames, {
      ...config.options, outDir: dist, declaration: true, emitDeclarationOnly: true, sourceMap: false, declarationMap: false, noEmit: false,
      noCheck: true, // lib/ itself is type-checked by tsc and by every spec importing it; here only its declarations are wanted
    });
    const emitted = build.emit(undefined, undefined, undefined, true);
    expect(emitted.emitSkipped).toBe(false);
    expect(fs.existsSync(path.join(dist, 'index.d.ts'))).toBe(true);

    // 2. The programs, strict, against the declarations, in one program.
    fs.writeFileSync(path.join(tmp, 'prelude.ts'), PRELUDE);
    for (const [name, text] of Object.entries({ ...GOOD, ...BAD })) fs.writeFileSync(path.join(tmp, name), text);
    const roots = [...Object.keys(GOOD), ...Object.keys(BAD)].map((n) => path.join(tmp, n)).concat(portFiles());
    const program = ts.createProgram(roots, {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true, skipLibCheck: true, ignoreDeprecations: '6.0',
      types: ['node'], typeRoots: [path.join(ROOT, 'node_modules/@types')], lib: ['lib.es2022.d.ts'],
      paths: {
        mqttloop: [path.join(dist, 'index.d.ts')], 'mqttloop/subscribe': [path.join(dist, 'helpers/subscribe.d.ts')],
        'mqttloop/publish': [path.join(dist, 'helpers/publish.d.ts')],
        eventemitter3: [path.join(ROOT, 'node_modules/eventemitter3/index.d.ts')] },
    });
    // The programs must see the published declarations, not lib/'s sources.
    expect(program.getSourceFiles().some((f) => f.fileName === path.join(dist, 'index.d.ts'))).toBe(true);
    diags = diagnosticsOf(program);
  }, 120_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test.each(Object.keys(GOOD))('%s compiles in strict mode', (name) => {
    expect(diags.filter((d) => d.file === name)).toEqual([]);
  });

  test.each(Object.keys(BAD))('%s fails exactly on its marked lines', (name) => {
    const got = diags.filter((d) => d.file === name).map((d) => `${d.line}:${d.code}`);
    expect([...new Set(got)].sort()).toEqual(expectedMarks(BAD[name]).sort());
  });

  test('the paho program ports (spec/paho/ports) compile', () => {
    const ports = new Set(portFiles().map((f) => path.basename(f)));
    expect(diags.filter((d) => ports.has(d.file))).toEqual([]);
  });

  test('nothing else (declarations, prelude) has a diagnostic', () => {
    const ours = new Set([...Object.keys(GOOD), ...Object.keys(BAD), ...portFiles().map((f) => path.basename(f))]);
    expect(diags.filter((d) => !ours.has(d.file))).toEqual([]);
  });
});
