/**
 * Property-based round trips: parse(encode(p, level)) deep-equals canonical(p, level) for every
 * packet type at levels 3, 4 and 5 (properties only at 5), then packet streams under any
 * chunking, zero-copy payloads, and the Remaining Length size boundaries.
 *
 * Generators stay inside what the specifications allow (valid topic names and filters,
 * reason codes defined for the packet, properties allowed on the packet type, no password
 * without username before 5.0, ...): every generated packet must be encodable.
 */
import fc from 'fast-check';
import { encode, Parser } from '../../lib/protocol';
import type {
  Packet, PacketProperties, ProtocolLevel, QoS, Subscription, WillMessage, PropertyName,
} from '../../lib/protocol/types';

// ------------------------------------------------------------------ helpers

/** Deep copy where every Buffer becomes { $buffer: hex }: Buffers compare by content, diffs stay readable. */
function plain(x: unknown): unknown {
  if (Buffer.isBuffer(x)) return { $buffer: x.toString('hex') };
  if (Array.isArray(x)) return x.map(plain);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) out[k] = plain(v);
    return out;
  }
  return x;
}

function parseAll(bytes: Buffer, level: ProtocolLevel): Packet[] {
  return new Parser({ protocolVersion: level }).feed(bytes);
}

const LEVELS: ProtocolLevel[] = [3, 4, 5];

// ------------------------------------------------------------------ canonical form

/** Properties as the parser reports them: absent when none; SubscriptionIdentifier a list on PUBLISH. */
function canonicalProps(props: PacketProperties | undefined, level: ProtocolLevel, onPublish = false): PacketProperties | undefined {
  if (level !== 5 || props === undefined) return undefined;
  const out: PacketProperties = {};
  for (const [k, v] of Object.entries(props) as [PropertyName, unknown][]) {
    if (v === undefined) continue;
    if (k === 'SubscriptionIdentifier' && onPublish && typeof v === 'number') {
      out.SubscriptionIdentifier = [v];
    } else {
      (out as Record<string, unknown>)[k] = v;
    }
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function withProps<T extends object>(obj: T, props: PacketProperties | undefined): T & { properties?: PacketProperties } {
  return props === undefined ? obj : { ...obj, properties: props };
}

/**
 * The parser's canonical form of `p` encoded at `level` (lib/protocol/types.ts header): every field
 * filled with its value or implied value; `properties`, `packetId` of QoS 0 PUBLISH, and CONNECT's
 * `username`, `password` (a Buffer) and `will` absent when not carried.
 */
function canonical(p: Packet, level: ProtocolLevel): Packet {
  switch (p.type) {
    case 'connect': {
      let out: Packet = { type: 'connect', protocolVersion: level, clientId: p.clientId, cleanSession: p.cleanSession, keepalive: p.keepalive };
      if (p.username !== undefined) out.username = p.username;
      if (p.password !== undefined) out.password = typeof p.password === 'string' ? Buffer.from(p.password, 'utf8') : p.password;
      if (p.will !== undefined) {
        const w: WillMessage = { topic: p.will.topic, payload: p.will.payload, qos: p.will.qos, retain: p.will.retain };
        out.will = withProps(w, canonicalProps(p.will.properties, level));
      }
      out = withProps(out, canonicalProps(p.properties, level));
      return out;
    }
    case 'connack':
      return withProps({ type: 'connack', sessionPresent: p.sessionPresent, reasonCode: p.reasonCode }, canonicalProps(p.properties, level));
    case 'publish': {
      const out: Packet = { type: 'publish', topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, dup: p.dup };
      if (p.qos > 0) out.packetId = p.packetId;
      return withProps(out, canonicalProps(p.properties, level, true));
    }
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return withProps({ type: p.type, packetId: p.packetId, reasonCode: level === 5 ? (p.reasonCode ?? 0) : 0 },
        canonicalProps(p.properties, level)) as Packet;
    case 'subscribe':
      return withProps({
        type: 'subscribe', packetId: p.packetId,
        subscriptions: p.subscriptions.map((s): Subscription => ({
          topic: s.topic, qos: s.qos,
          noLocal: level === 5 ? (s.noLocal ?? false) : false,
          retainAsPublished: level === 5 ? (s.retainAsPublished ?? false) : false,
          retainHandling: level === 5 ? (s.retainHandling ?? 0) : 0,
        })),
      }, canonicalProps(p.properties, level));
    case 'suback':
      return withProps({ type: 'suback', packetId: p.packetId, reasonCodes: p.reasonCodes }, canonicalProps(p.properties, level));
    case 'unsubscribe':
      return withProps({ type: 'unsubscribe', packetId: p.packetId, topics: p.topics }, canonicalProps(p.properties, level));
    case 'unsuback':
      return withProps({ type: 'unsuback', packetId: p.packetId, reasonCodes: level === 5 ? (p.reasonCodes ?? []) : [] },
        canonicalProps(p.properties, level));
    case 'pingreq': case 'pingresp':
      return { type: p.type };
    case 'disconnect':
      return withProps({ type: 'disconnect', reasonCode: level === 5 ? (p.reasonCode ?? 0) : 0 }, canonicalProps(p.properties, level));
    case 'auth':
      return withProps({ type: 'auth', reasonCode: p.reasonCode ?? 0 }, canonicalProps(p.properties, level));
  }
}

// ------------------------------------------------------------------ arbitraries: strings, topics

/** Any Unicode scalar value but U+0000 (fast-check's 'binary' unit never yields lone surrogates). */
const anyChar = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\u0000');
const commonChar = fc.constantFrom(...'abcxyzABC0129-_ .$é€');
const textChar = fc.oneof({ weight: 3, arbitrary: commonChar }, { weight: 2, arbitrary: anyChar });
/** A UTF-8 string field: any scalar value but U+0000. */
const utf8 = fc.string({ unit: textChar, maxLength: 12 });

const levelChar = textChar.filter((c) => c !== '/' && c !== '+' && c !== '#');
const topicLevel = fc.string({ unit: levelChar, maxLength: 6 });
/** A valid topic name: non-empty, no wildcards, unicode allowed, empty levels allowed. */
const topicName = fc.array(topicLevel, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('/')).filter((t) => t.length > 0);
/** A valid topic filter: '+' as whole levels anywhere, '#' only as the whole last level. */
const topicFilter = fc
  .tuple(fc.array(fc.oneof({ weight: 3, arbitrary: topicLevel }, { weight: 1, arbitrary: fc.constant('+') }), { minLength: 1, maxLength: 4 }),
    fc.boolean())
  .map(([ls, hash]) => (hash ? [...ls, '#'] : ls).join('/'))
  .filter((f) => f.length > 0);

const binary = fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a));
const bigPayload = fc.tuple(fc.integer({ min: 20000, max: 20480 }), fc.integer({ min: 0, max: 255 })).map(([n, seed]) => {
  const buf = Buffer.alloc(n);
  for (let i = 0; i < n; i++) buf[i] = (i * 31 + seed) & 0xff;
  return buf;
});
/** Payloads of 0..300 bytes, occasionally about 20 KB. */
const payload = fc.oneof(
  { weight: 30, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: bigPayload },
);
const smallPayload = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const packetId = fc.integer({ min: 1, max: 65535 });
const qos = fc.constantFrom<QoS>(0, 1, 2);
const u16 = fc.integer({ min: 0, max: 65535 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bit = fc.constantFrom(0, 1);
const subId = fc.integer({ min: 1, max: 268435455 });

// ------------------------------------------------------------------ arbitraries: properties

const PROPERTY_ARBS: { [K in PropertyName]-?: fc.Arbitrary<NonNullable<PacketProperties[K]>> } = {
  PayloadFormatIndicator: bit,
  MessageExpiryInterval: u32,
  ContentType: utf8,
  ResponseTopic: topicName,
  CorrelationData: binary,
  SubscriptionIdentifier: subId, // replaced per packet type below
  SessionExpiryInterval: u32,
  AssignedClientIdentifier: utf8,
  ServerKeepAlive: u16,
  AuthenticationMethod: utf8,
  AuthenticationData: binary,
  RequestProblemInformation: bit,
  WillDelayInterval: u32,
  RequestResponseInformation: bit,
  ResponseInformation: utf8,
  ServerReference: utf8,
  ReasonString: utf8,
  ReceiveMaximum: fc.integer({ min: 1, max: 65535 }),
  TopicAliasMaximum: u16,
  TopicAlias: fc.integer({ min: 1, max: 65535 }),
  MaximumQoS: bit,
  RetainAvailable: bit,
  UserProperty: fc.array(fc.tuple(utf8, utf8), { minLength: 1, maxLength: 3 }),
  MaximumPacketSize: fc.integer({ min: 1, max: 0xffffffff }),
  WildcardSubscriptionAvailable: bit,
  SubscriptionIdentifierAvailable: bit,
  SharedSubscriptionAvailable: bit,
};

/** MQTT 5.0 2.2.2.2: which properties each packet (and the will) may carry. */
const ALLOWED: Record<string, PropertyName[]> = {
  connect: ['SessionExpiryInterval', 'ReceiveMaximum', 'MaximumPacketSize', 'TopicAliasMaximum',
    'RequestResponseInformation', 'RequestProblemInformation', 'UserProperty', 'AuthenticationMethod', 'AuthenticationData'],
  will: ['WillDelayInterval', 'PayloadFormatIndicator', 'MessageExpiryInterval', 'ContentType', 'ResponseTopic',
    'CorrelationData', 'UserProperty'],
  connack: ['SessionExpiryInterval', 'ReceiveMaximum', 'MaximumQoS', 'RetainAvailable', 'MaximumPacketSize',
    'AssignedClientIdentifier', 'TopicAliasMaximum', 'ReasonString', 'UserProperty', 'WildcardSubscriptionAvailable',
    'SubscriptionIdentifierAvailable', 'SharedSubscriptionAvailable', 'ServerKeepAlive', 'ResponseInformation',
    'ServerReference', 'AuthenticationMethod', 'AuthenticationData'],
  publish: ['PayloadFormatIndicator', 'MessageExpiryInterval', 'TopicAlias', 'ResponseTopic', 'CorrelationData',
    'UserProperty', 'SubscriptionIdentifier', 'ContentType'],
  ack: ['ReasonString', 'UserProperty'],
  subscribe: ['SubscriptionIdentifier', 'UserProperty'],
  suback: ['ReasonString', 'UserProperty'],
  unsubscribe: ['UserProperty'],
  unsuback: ['ReasonString', 'UserProperty'],
  disconnect: ['SessionExpiryInterval', 'ReasonString', 'ServerReference', 'UserProperty'],
  auth: ['AuthenticationMethod', 'AuthenticationData', 'ReasonString', 'UserProperty'],
};

/** A property set for `kind`, keys in a random subset (possibly empty: then `{}` or undefined). */
function propsFor(kind: keyof typeof ALLOWED, overrides: Partial<Record<PropertyName, fc.Arbitrary<unknown>>> = {}): fc.Arbitrary<PacketProperties | undefined> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of ALLOWED[kind]) model[name] = overrides[name] ?? PROPERTY_ARBS[name];
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.record(model, { requiredKeys: [] }) },
  ).map((p) => {
    if (p === undefined) return undefined;
    const props = p as PacketProperties;
    // 5.0 3.1.2.11.10 / 3.2.2.3.18: Authentication Data only together with an Authentication Method.
    if (props.AuthenticationData !== undefined && props.AuthenticationMethod === undefined) delete props.AuthenticationData;
    return props;
  });
}

// ------------------------------------------------------------------ arbitraries: packets

const CONNACK_RC_5 = [0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97,
  0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f];
const PUBACK_RC_5 = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]; // also PUBREC
const PUBREL_RC_5 = [0x00, 0x92]; // also PUBCOMP
const SUBACK_RC: Record<ProtocolLevel, number[]> = {
  3: [0, 1, 2],
  4: [0, 1, 2, 0x80],
  5: [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2],
};
const UNSUBACK_RC_5 = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91];
const DISCONNECT_RC_5 = [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95,
  0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2];

/**
 * A property set for `kind`. Below level 5 the encoder must ignore properties, so they are
 * generated there too (less often) and canonical() drops them.
 */
function optProps(level: ProtocolLevel, kind: keyof typeof ALLOWED, overrides?: Partial<Record<PropertyName, fc.Arbitrary<unknown>>>) {
  return level === 5
    ? propsFor(kind, overrides)
    : fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: propsFor(kind, overrides) });
}

function connectArb(level: ProtocolLevel): fc.Arbitrary<Packet> {
  const clientId = level === 3
    ? fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABC0123456789'), minLength: 1, maxLength: 23 })
    : utf8;
  const will = fc.record({
    topic: topicName, payload: smallPayload, qos, retain: fc.boolean(),
    properties: optProps(level, 'will'),
  }).map((w): WillMessage => (w.properties === undefined ? { topic: w.topic, payload: w.payload, qos: w.qos, retain: w.retain } : w as WillMessage));
  const password = fc.oneof(binary, utf8);
  return fc.record({
    clientId, cleanSession: fc.boolean(), keepalive: u16,
    username: fc.option(utf8, { nil: undefined }),
    password: fc.option(password, { nil: undefined }),
    will: fc.option(will, { nil: undefined }),
    properties: optProps(level, 'connect'),
  }).map((r) => {
    const p: Packet = { type: 'connect', protocolVersion: level, clientId: r.clientId, cleanSession: r.cleanSession, keepalive: r.keepalive };
    if (r.username !== undefined) p.username = r.username;
    // 3.1 / 3.1.1: no password without a user name (MQTT-3.1.2-22). 5.0 allows it.
    if (r.password !== undefined && (level === 5 || r.username !== undefined)) p.password = r.password;
    if (r.will !== undefined) p.will = r.will;
    if (r.properties !== undefined) p.properties = r.properties;
    return p;
  });
}

function connackArb(level: ProtocolLevel): fc.Arbitrary<Packet> {
  const rc = level === 5 ? fc.constantFrom(...CONNACK_RC_5) : fc.integer({ min: 0, max: 5 });
  return fc.record({ rc, sp: fc.boolean(), properties: optProps(level, 'connack') }).map((r) => {
    // Session Present is 0 with a refusal (MQTT-3.2.2-4 / 3.2.2-6); 3.1 has no Session Present flag.
    const p: Packet = { type: 'connack', sessionPresent: level !== 3 && r.rc === 0 && r.sp, reasonCode: r.rc };
    if (r.properties !== undefined) p.properties = r.properties;
    return p;
  });
}

function publishArb(level: ProtocolLevel): fc.Arbitrary<Packet> {
  const props = optProps(level, 'publish', {
    SubscriptionIdentifier: fc.oneof(subId, fc.array(subId, { minLength: 1, maxLength: 3 })),
  });
  return fc.record({
    topic: topicName, payload, qos, retain: fc.boolean(), dup: fc.boolean(), packetId,
    properties: props, aliasOnly: fc.boolean(),
  }).map((r) => {
    const p: Packet = { type: 'publish', topic: r.topic, payload: r.payload, qos: r.qos, retain: r.retain, dup: r.qos > 0 && r.dup };
    if (r.qos > 0) p.packetId = r.packetId;
    if (r.properties !== undefined) {
      p.properties = r.properties;
      // 5.0 3.3.2.1: a zero-length topic stands for a Topic Alias.
      if (level === 5 && r.properties.TopicAlias !== undefined && r.aliasOnly) p.topic = '';
    }
    return p;
  });
}

function ackArb(level: ProtocolLevel, type: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'): fc.Arbitrary<Packet> {
  const codes = type === 'puback' || type === 'pubrec' ? PUBACK_RC_5 : PUBREL_RC_5;
  return fc.record({
    packetId,
    rc: level === 5 ? fc.option(fc.constantFrom(...codes), { nil: undefined }) : fc.constant(undefined),
    properties: optProps(level, 'ack'),
  }).map((r) => {
    const p = { type, packetId: r.packetId } as Packet & { reasonCode?: number; properties?: PacketProperties };
    if (r.rc !== undefined) p.reasonCode = r.rc;
    if (r.properties !== undefined) p.properties = r.properties;
    return p;
  });
}

function subscribeArb(level: ProtocolLevel): fc.Arbitrary<Packet> {
  const sub: fc.Arbitrary<Subscription> = level === 5
    ? fc.record({
      topic: topicFilter, qos, noLocal: fc.boolean(), retainAsPublished: fc.boolean(),
      retainHandling: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
    }, { requiredKeys: ['topic', 'qos'] })
    : fc.record({ topic: topicFilter, qos });
  return fc.record({
    packetId, subscriptions: fc.array(sub, { minLength: 1, maxLength: 4 }), properties: optProps(level, 'subscribe'),
  }).map((r) => {
    const p: Packet = { type: 'subscribe', packetId: r.packetId, subscriptions: r.subscriptions };
    if (r.properties !== undefined) p.properties = r.properties;
    return p;
  });
}

function subackArb(level: ProtocolLevel): fc.Arbitrary<Packet> {
  return fc.record({
    packetId, reasonCodes: fc.array(fc.constantFrom(...SUBACK_RC[level]), { minLength: 1, maxLength: 5 }),
    properties: optProps(level, 'suback'),
  }).map((r) => {
    const p: Packet = { type: 'suback', packetId: r.packetId, reasonCodes: r.reasonCodes };
    if (r.properties !== undefined) p.properties = r.properties;
    return p;
  });
}

function unsubscribeArb(level: ProtocolLevel): fc.Arbitrary<Packet> {
  return fc.record({
    packetId, topics: fc.array(topicFilter, { minLength: 1, maxLength: 4 }), properties: optProps(level, 'unsubscribe'),
  }).map((r) => {
    const p: Packet = { type: 'unsubscribe', packetId: r.packetId, topics: r.topics };
    if (r.properties !== undefined) p.properties = r.properties;
    return p;
  });
}

function unsubackArb(level: ProtocolLevel): fc.Arbitrary<Packet> {
  return fc.record({
    packetId,
    reasonCodes: level === 5 ? fc.array(fc.constantFrom(...UNSUBACK_RC_5), { minLength: 1, maxLength: 5 }) : fc.constant(undefined),
    properties: optProps(level, 'unsuback'),
  }).map((r) => {
    const p: Packet = { type: 'unsuback', packetId: r.packetId };
    if (r.reasonCodes !== undefined) p.reasonCodes = r.reasonCodes;
    if (r.properties !== undefined) p.properties = r.properties;
    return p;
  });
}

function disconnectArb(level: ProtocolLevel): fc.Arbitrary<Packet> {
  return fc.record({
    rc: level === 5 ? fc.option(fc.constantFrom(...DISCONNECT_RC_5), { nil: undefined }) : fc.constant(undefined),
    properties: optProps(level, 'disconnect'),
  }).map((r) => {
    const p: Packet = { type: 'disconnect' };
    if (r.rc !== undefined) p.reasonCode = r.rc;
    if (r.properties !== undefined) p.properties = r.properties;
    return p;
  });
}

function authArb(): fc.Arbitrary<Packet> {
  // 5.0 3.15: Continue / Re-authenticate carry the Authentication Method; Success may be the short form.
  return fc.oneof(
    fc.constant<Packet>({ type: 'auth', reasonCode: 0 }),
    fc.constant<Packet>({ type: 'auth' }),
    fc.record({
      rc: fc.constantFrom(0x00, 0x18, 0x19),
      method: utf8,
      props: fc.record({ AuthenticationData: binary, ReasonString: utf8, UserProperty: PROPERTY_ARBS.UserProperty }, { requiredKeys: [] }),
    }).map((r): Packet => ({ type: 'auth', reasonCode: r.rc, properties: { AuthenticationMethod: r.method, ...r.props } })),
  );
}

function arbsFor(level: ProtocolLevel): Record<string, fc.Arbitrary<Packet>> {
  const arbs: Record<string, fc.Arbitrary<Packet>> = {
    connect: connectArb(level),
    connack: connackArb(level),
    publish: publishArb(level),
    puback: ackArb(level, 'puback'),
    pubrec: ackArb(level, 'pubrec'),
    pubrel: ackArb(level, 'pubrel'),
    pubcomp: ackArb(level, 'pubcomp'),
    subscribe: subscribeArb(level),
    suback: subackArb(level),
    unsubscribe: unsubscribeArb(level),
    unsuback: unsubackArb(level),
    pingreq: fc.constant<Packet>({ type: 'pingreq' }),
    pingresp: fc.constant<Packet>({ type: 'pingresp' }),
    disconnect: disconnectArb(level),
  };
  if (level === 5) arbs.auth = authArb();
  return arbs;
}

function anyPacket(level: ProtocolLevel): fc.Arbitrary<Packet> {
  const arbs = arbsFor(level);
  // PUBLISH is what streams are made of: weight it up.
  return fc.oneof(
    { weight: 6, arbitrary: arbs.publish },
    ...Object.entries(arbs).filter(([k]) => k !== 'publish').map(([, a]) => ({ weight: 1, arbitrary: a })),
  );
}

// ------------------------------------------------------------------ round trips per type and level

describe('round trip: parse(encode(p)) equals canonical(p)', () => {
  for (const level of LEVELS) {
    for (const [type, arb] of Object.entries(arbsFor(level))) {
      const runs = type === 'pingreq' || type === 'pingresp' ? 3 : type === 'publish' || type === 'connect' ? 150 : 80;
      test(`${type} at level ${level}`, () => {
        let carried = 0;
        fc.assert(
          fc.property(arb, (p) => {
            if ('properties' in canonical(p, level)) carried++;
            const before = plain(p);
            const bytes = encode(p, level);
            expect(plain(p)).toStrictEqual(before); // encode does not touch its input
            const out = parseAll(bytes, level);
            expect(plain(out)).toStrictEqual(plain([canonical(p, level)]));
            // and the canonical form encodes to the very same bytes
            expect(encode(canonical(p, level), level).equals(bytes)).toBe(true);
          }),
          { numRuns: runs },
        );
        // (self-check) the generators do exercise properties where the packet has any
        if (level === 5 && type !== 'pingreq' && type !== 'pingresp') expect(carried).toBeGreaterThan(runs / 8); // a third of AUTH cases carry none: keep clear of chance
      });
    }
  }
});

// ------------------------------------------------------------------ streams and chunking

function feedChunks(level: ProtocolLevel, chunks: Buffer[]): Packet[] {
  const parser = new Parser({ protocolVersion: level });
  const out: Packet[] = [];
  for (const c of chunks) out.push(...parser.feed(c));
  return out;
}

function cut(bytes: Buffer, points: number[]): Buffer[] {
  const ps = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of ps) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

describe('streams: 1..20 packets, whole / random chunks / 1-byte chunks give the same list', () => {
  for (const level of LEVELS) {
    test(`level ${level}`, () => {
      fc.assert(
        fc.property(fc.array(anyPacket(level), { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (packets, points) => {
          const stream = Buffer.concat(packets.map((p) => encode(p, level)));
          const expected = plain(packets.map((p) => canonical(p, level)));
          const whole = feedChunks(level, [stream]);
          expect(plain(whole)).toStrictEqual(expected);
          const chunked = feedChunks(level, cut(stream, points));
          expect(plain(chunked)).toStrictEqual(expected);
          const ones: Buffer[] = [];
          for (let i = 0; i < stream.length; i++) ones.push(stream.subarray(i, i + 1));
          expect(plain(feedChunks(level, ones))).toStrictEqual(expected);
        }),
        { numRuns: 40 },
      );
    });
  }

  test('a packet split anywhere across two feeds (every split point of a small stream)', () => {
    const packets: Packet[] = [
      { type: 'publish', topic: 'a/ü', payload: Buffer.from('xyz'), qos: 1, retain: false, dup: false, packetId: 3,
        properties: { UserProperty: [['k', 'v']] } },
      { type: 'puback', packetId: 3, reasonCode: 0x10 },
      { type: 'pingresp' },
      { type: 'suback', packetId: 2, reasonCodes: [1], properties: { ReasonString: 'r' } },
    ];
    const stream = Buffer.concat(packets.map((p) => encode(p, 5)));
    const expected = plain(packets.map((p) => canonical(p, 5)));
    for (let i = 0; i <= stream.length; i++) {
      expect(plain(feedChunks(5, [stream.subarray(0, i), stream.subarray(i)]))).toStrictEqual(expected);
    }
  });
});

// ------------------------------------------------------------------ zero-copy payloads

/** A Buffer with its own ArrayBuffer (Buffer.alloc never uses the shared pool). */
function ownBuffer(src: Buffer): Buffer {
  const b = Buffer.alloc(src.length);
  src.copy(b);
  return b;
}

describe('payloads are views into the fed chunk', () => {
  test('a PUBLISH fed in one chunk: payload.buffer === chunk.buffer, at the right offset, sharing memory', () => {
    for (const level of LEVELS) {
      const p: Packet = { type: 'publish', topic: 'a/b', payload: Buffer.from('hello world'), qos: 1, retain: false, dup: false, packetId: 9 };
      const chunk = ownBuffer(encode(p, level));
      const [out] = new Parser({ protocolVersion: level }).feed(chunk);
      if (out.type !== 'publish') throw new Error('not a publish');
      expect(out.payload.buffer).toBe(chunk.buffer);
      expect(out.payload.byteOffset).toBe(chunk.byteOffset + chunk.length - 11);
      expect(out.payload.toString()).toBe('hello world');
      chunk[chunk.length - 1] = 0x44; // "d" -> "D": the payload sees it
      expect(out.payload.toString()).toBe('hello worlD');
    }
  });

  test('every PUBLISH of a multi-packet chunk is a view into that chunk (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom<ProtocolLevel>(3, 4, 5).chain((level) =>
        fc.tuple(fc.constant(level), fc.array(publishArb(level), { minLength: 1, maxLength: 8 }))), ([level, packets]) => {
        const chunk = ownBuffer(Buffer.concat(packets.map((p) => encode(p, level))));
        const out = new Parser({ protocolVersion: level }).feed(chunk);
        expect(out).toHaveLength(packets.length);
        for (const q of out) {
          if (q.type !== 'publish') throw new Error('not a publish');
          expect(q.payload.buffer).toBe(chunk.buffer);
          expect(q.payload.byteOffset).toBeGreaterThanOrEqual(chunk.byteOffset);
          expect(q.payload.byteOffset + q.payload.length).toBeLessThanOrEqual(chunk.byteOffset + chunk.length);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('a PUBLISH that arrives whole in a later chunk is a view into that chunk', () => {
    const a: Packet = { type: 'publish', topic: 'a', payload: Buffer.from('first'), qos: 0, retain: false, dup: false };
    const b: Packet = { type: 'publish', topic: 'b', payload: Buffer.from('second'), qos: 0, retain: false, dup: false };
    const c: Packet = { type: 'publish', topic: 'c', payload: Buffer.from('third'), qos: 0, retain: false, dup: false };
    const ea = encode(a, 4);
    const eb = encode(b, 4);
    const ec = encode(c, 4);
    const split = 4; // b is cut after 4 bytes
    const chunk1 = ownBuffer(Buffer.concat([ea, eb.subarray(0, split)]));
    const chunk2 = ownBuffer(Buffer.concat([eb.subarray(split), ec]));
    const parser = new Parser({ protocolVersion: 4 });
    const out1 = parser.feed(chunk1);
    const out2 = parser.feed(chunk2);
    expect(plain([...out1, ...out2])).toStrictEqual(plain([canonical(a, 4), canonical(b, 4), canonical(c, 4)]));
    const pa = out1[0];
    const pc = out2[1];
    if (pa.type !== 'publish' || pc.type !== 'publish') throw new Error('not a publish');
    expect(pa.payload.buffer).toBe(chunk1.buffer);
    expect(pc.payload.buffer).toBe(chunk2.buffer);
  });

  test('a payload assembled from several chunks is correct and does not change when the chunks are reused', () => {
    const p: Packet = { type: 'publish', topic: 't', payload: Buffer.from('0123456789'), qos: 0, retain: false, dup: false };
    const bytes = encode(p, 4);
    const parser = new Parser({ protocolVersion: 4 });
    const scratch = Buffer.alloc(5);
    const out: Packet[] = [];
    for (let i = 0; i < bytes.length; i += 5) {
      const n = Math.min(5, bytes.length - i);
      bytes.copy(scratch, 0, i, i + n);
      out.push(...parser.feed(scratch.subarray(0, n)));
      scratch.fill(0xee); // the caller reuses its read buffer
    }
    expect(plain(out)).toStrictEqual(plain([canonical(p, 4)]));
  });
});

// ------------------------------------------------------------------ remaining-length boundaries

describe('remaining length boundaries round-trip (PUBLISH "a", QoS 0, level 4: remaining length = 3 + payload)', () => {
  const cases: { remaining: number; header: string }[] = [
    { remaining: 127, header: '30 7f' },
    { remaining: 128, header: '30 80 01' },
    { remaining: 16383, header: '30 ff 7f' },
    { remaining: 16384, header: '30 80 80 01' },
    { remaining: 2097151, header: '30 ff ff 7f' },
    { remaining: 2097152, header: '30 80 80 80 01' },
  ];
  for (const c of cases) {
    test(`remaining length ${c.remaining}: header ${c.header}`, () => {
      const payload = Buffer.alloc(c.remaining - 3);
      for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
      const p: Packet = { type: 'publish', topic: 'a', payload, qos: 0, retain: false, dup: false };
      const bytes = encode(p, 4);
      const headerLen = c.header.split(' ').length;
      expect(bytes.length).toBe(headerLen + c.remaining);
      expect(bytes.subarray(0, headerLen).toString('hex')).toBe(c.header.replace(/ /g, ''));
      expect(bytes.subarray(headerLen, headerLen + 3).toString('hex')).toBe('000161'); // topic "a"
      // whole
      const whole = parseAll(bytes, 4);
      expect(whole).toHaveLength(1);
      const w = whole[0];
      if (w.type !== 'publish') throw new Error('not a publish');
      expect(w.topic).toBe('a');
      expect(w.payload.equals(payload)).toBe(true);
      // the fixed header alone, then the body in 64 KB pieces
      const parser = new Parser({ protocolVersion: 4 });
      expect(parser.feed(bytes.subarray(0, headerLen))).toEqual([]);
      const got: Packet[] = [];
      for (let i = headerLen; i < bytes.length; i += 65536) got.push(...parser.feed(bytes.subarray(i, i + 65536)));
      expect(got).toHaveLength(1);
      const g = got[0];
      if (g.type !== 'publish') throw new Error('not a publish');
      expect(g.payload.equals(payload)).toBe(true);
    });
  }

  test('the same boundaries at level 5 (remaining length = 4 + payload with an empty property length)', () => {
    for (const remaining of [127, 128, 16383, 16384]) {
      const payload = Buffer.alloc(remaining - 4, 0x5a);
      const p: Packet = { type: 'publish', topic: 'a', payload, qos: 0, retain: false, dup: false };
      const bytes = encode(p, 5);
      expect(plain(parseAll(bytes, 5))).toStrictEqual(plain([canonical(p, 5)]));
      expect(bytes.length).toBe(remaining + (remaining < 128 ? 2 : remaining < 16384 ? 3 : 4));
    }
  });
});

describe('CONNECT bridge bit (the protocol level byte\'s top bit: mosquitto bridges, paho\'s enable_bridge_mode())', () => {
  test.each([[3, 'MQIsdp', 0x83], [4, 'MQTT', 0x84], [5, 'MQTT', 0x85]] as const)('level %i (%s): the level byte is %i and decodes back as bridge: true', (level, name, byte) => {
    const bytes = encode({ type: 'connect', protocolVersion: level, clientId: 'b', cleanSession: true, keepalive: 60, bridge: true }, level);
    expect(bytes[2 + 2 + name.length]).toBe(byte);
    const [p] = new Parser({ protocolVersion: level }).feed(bytes);
    expect(p).toMatchObject({ type: 'connect', protocolVersion: level, bridge: true });
    const plain = encode({ type: 'connect', protocolVersion: level, clientId: 'b', cleanSession: true, keepalive: 60 }, level);
    expect(plain[2 + 2 + name.length]).toBe(level);
    expect(new Parser({ protocolVersion: level }).feed(plain)[0]).not.toHaveProperty('bridge');
  });
});

describe('received topic names: one cache for every connection of the process', () => {
  const publish = (topic: string) => encode({ type: 'publish', topic, payload: Buffer.from('x'), qos: 0, retain: false, dup: false }, 4);
  const topicOf = (parser: Parser, topic: string) => {
    const [p] = parser.feed(publish(topic));
    return (p as { topic: string }).topic;
  };
  afterEach(() => jest.restoreAllMocks());

  test('a second connection receiving the same topic reuses the first one\'s string: no UTF-8 decoding', () => {
    const topic = `fan/out/${'é'.repeat(3)}/${Date.now()}`;
    const decodes = jest.spyOn(Buffer.prototype as unknown as { utf8Slice: (s: number, e: number) => string }, 'utf8Slice');
    expect(topicOf(new Parser({ protocolVersion: 4 }), topic)).toBe(topic);
    const first = decodes.mock.calls.length;
    expect(first).toBeGreaterThan(0);
    expect(topicOf(new Parser({ protocolVersion: 4 }), topic)).toBe(topic);
    expect(decodes.mock.calls.length).toBe(first);
  });

  test('topics whose bytes hash alike ("Aa" and "BB") are told apart by their bytes', () => {
    const p = new Parser({ protocolVersion: 4 });
    const q = new Parser({ protocolVersion: 4 });
    expect([topicOf(p, 'x/Aa'), topicOf(q, 'x/BB'), topicOf(p, 'x/Aa'), topicOf(q, 'x/BB')]).toEqual(['x/Aa', 'x/BB', 'x/Aa', 'x/BB']);
  });
});
