/**
 * Client: the paho-style client, as a facade: the public API (paho's Client, camelCased, with
 * its callback slots and their events), the argument checks and the JSDoc. Behind it, one
 * driver (client/driver.ts) owns the session, the transport and the pump; the folder
 * lib/client/ holds it and its collaborators, one job per module (listed in driver.ts).
 *
 * The pump (DESIGN.md): loopRead() feeds received bytes to the session and runs callbacks,
 * loopWrite() hands everything the session queued to the transport as one write,
 * loopMisc() runs the session's deadlines. loop() does the three after waiting for network
 * activity; loopStart()/loopForever() run them in the background (client/reconnect.ts).
 */
import { checkInt, checkNumber, checkQos, normalizeSubscriptions, normalizeUnsubscribe } from './client/args';
import { checkCleanStart, checkDisconnectCode, checkProperties } from './client/mqtt5Args';
import { SLOTS } from './client/callbacks';
import { isSuperseded } from './client/reconnect';
import { ClientSettings } from './client/settings';
import { ClientStats, clientStats } from './client/stats';
import { PayloadLike, toPayload } from './client/payload';
import { CallbackDecorator, slotDecorator, topicDecorator } from './client/decorators';
import { MQTT_CLEAN_START_FIRST_ONLY, MQTT_ERR_NOT_FOUND, MQTT_ERR_SUCCESS } from './constants';
import type { CallbackAPIVersionValue, ConnectFlags } from './mqtt5/callbackApi';
import { PacketTypes } from './mqtt5/packetTypes';
import type { ReasonCodes } from './mqtt5/reasonCodes';
import type { SubscribeOptions } from './mqtt5/subscribeOptions';
import { ValueError } from './errors';
import type { MQTTMessageInfo } from './message';
import { validateTopicFilter, validateTopicName } from './protocol/topics';
import type { PacketProperties } from './protocol/types';
import { resolveSrvTargets } from './transport/srv';
import type { ClientOptions, ConnectTarget, Logger } from './client/options';
import { checkClientOptionNames, checkTransport, parseClientArgs, resolveClientOptions } from './client/options';
import { checkSettable } from './client/pahoProperties';
import type { CallbackOnMessage, ProtocolVersionValue, SlotHandlers, TypedClientOptions } from './client/callbackSignatures';

export type { ClientOptions, ConnectTarget, Logger };
export type { ConnectFlags };

/** The handler each slot of a Client<V, P, U> takes (client/callbackSignatures.ts). */
type Slots<V extends CallbackAPIVersionValue, P extends number, U> = SlotHandlers<V, P, U, Client<V, P, U>>;

/**
 * V (CallbackAPIVersion), P (protocol level) and U (userdata) type the callback slots and
 * events (client/callbackTypes.ts); the package's `Client` export infers them from the
 * constructor's options. Left out, they stand for any mode.
 */
export class Client<V extends CallbackAPIVersionValue = CallbackAPIVersionValue, P extends number = ProtocolVersionValue, U = unknown>
  extends ClientSettings<V, P, U> {
  /**
   * Called when the broker answers CONNECT: `(client, userdata, flags, rc, properties?)`; with
   * MQTTv5 or VERSION2, `rc` is a ReasonCodes and `properties` a Properties (VERSION2's `flags`
   * also has `session_present`). Table per version: README "MQTT 5".
   */
  on_connect: Slots<V, P, U>['on_connect'] | null = null;
  /**
   * Called when loopStart()/loopForever() cannot open the socket of a connection attempt
   * (refused, DNS, TLS handshake): `(client, userdata)`. A connection that opened and ended
   * before its CONNACK ends with on_disconnect instead, as in paho.
   */
  on_connect_fail: Slots<V, P, U>['on_connect_fail'] | null = null;
  /**
   * Called when the connection ends, also before its CONNACK (rc MQTT_ERR_CONN_LOST when the
   * broker closed it, MQTT_ERR_PROTOCOL for a malformed CONNACK, MQTT_ERR_CONN_REFUSED after a
   * refusing 3.x CONNACK, MQTT_ERR_KEEPALIVE when none came in time): `(client, userdata, rc,
   * properties?)`; rc 0 after disconnect(). MQTTv5 + VERSION1: a ReasonCodes when the broker sent DISCONNECT. VERSION2:
   * `(client, userdata, DisconnectFlags, ReasonCodes, Properties)`.
   */
  on_disconnect: Slots<V, P, U>['on_disconnect'] | null = null;
  /** Called for each message no messageCallbackAdd() filter matched: `(client, userdata, message)`. */
  on_message: Slots<V, P, U>['on_message'] | null = null;
  /** Called when a message has been sent (QoS 0) or acknowledged (QoS 1/2): `(client, userdata, mid)`; VERSION2 adds `ReasonCodes, Properties`. */
  on_publish: Slots<V, P, U>['on_publish'] | null = null;
  /** Called on SUBACK: `(client, userdata, mid, grantedQos, properties?)`; with MQTTv5 or VERSION2 `grantedQos` is a ReasonCodes list. */
  on_subscribe: Slots<V, P, U>['on_subscribe'] | null = null;
  /** Called on UNSUBACK: `(client, userdata, mid, properties?, reasonCodes?)`; VERSION2: `(client, userdata, mid, ReasonCodes[], Properties)`. */
  on_unsubscribe: Slots<V, P, U>['on_unsubscribe'] | null = null;
  /** Called with each log line: `(client, userdata, level, buf)`. */
  on_log: Slots<V, P, U>['on_log'] | null = null;
  /** Called just before each connection attempt opens its socket: `(client, userdata)` (paho 2.x). */
  on_pre_connect: Slots<V, P, U>['on_pre_connect'] | null = null;
  /**
   * MQTT 5 enhanced authentication: called when the server sends AUTH,
   * `(client, userdata, reasonCode, properties)`. For 0x18 (Continue authentication) it returns
   * the properties of our answer (`{ AuthenticationData }`), or a promise of them; null or
   * undefined (or a throw) abandons the connection (DISCONNECT 0x87). 0x00 reports a finished reauthenticate().
   */
  on_auth: Slots<V, P, U>['on_auth'] | null = null;
  /**
   * External event loops (paho's loop_select.py / loop_asyncio.py): `(client, userdata, sock)`
   * just after a connection's socket opens: start watching it for reading (a net.Socket's
   * 'data' and 'close' events: call loopRead()) and call loopMisc() every second or so.
   * lib/client/socketHooks.ts says when each hook fires.
   */
  on_socket_open: Slots<V, P, U>['on_socket_open'] | null = null;
  /** `(client, userdata, sock)` just before the client lets go of the socket: stop watching it. */
  on_socket_close: Slots<V, P, U>['on_socket_close'] | null = null;
  /**
   * `(client, userdata, sock)`: bytes wait to be written. Set, and with no loopStart()/loopForever(),
   * the client leaves writing to you: call loopWrite() (until on_socket_unregister_write).
   */
  on_socket_register_write: Slots<V, P, U>['on_socket_register_write'] | null = null;
  /** `(client, userdata, sock)`: nothing waits to be written any more. */
  on_socket_unregister_write: Slots<V, P, U>['on_socket_unregister_write'] | null = null;
  /**
   * true (default): an exception in a callback is logged at MQTT_LOG_ERR, emitted as 'error',
   * and the loop goes on. false: paho's behaviour, the error rejects loop()/loopForever().
   */
  suppressExceptions = true;

  /**
   * `new Client()`, `new Client('id')`, `new Client({ clientId, ... })`, and paho 2.x's
   * positional form `new Client(CallbackAPIVersion.VERSION2, 'id' | { ... })`.
   */
  constructor(opts?: TypedClientOptions<V, P, U> | string | V, more?: Omit<TypedClientOptions<V, P, U>, 'callbackApiVersion'> | string) {
    super();
    this.init(parseClientArgs(opts, more));
  }

  private init(o: ClientOptions): void {
    this.driver.configure(resolveClientOptions(o));
  }

  // ---- life cycle (the settings: client/settings.ts) and per-filter message callbacks ------------

  /** Back to the constructed state, as paho's reinitialise(): connection, callbacks and settings reset. */
  reinitialise(opts?: ClientOptions | string | CallbackAPIVersionValue, more?: ClientOptions | string): void {
    checkClientOptionNames(parseClientArgs(opts, more)); // a misspelt option changes nothing
    this.driver.reset();
    for (const slot of SLOTS) (this as Record<string, unknown>)[slot] = null;
    this.suppressExceptions = true;
    this.removeAllListeners();
    this.init(parseClientArgs(opts, more));
  }

  /** Calls `callback(client, userdata, message)` for messages matching `sub` (instead of on_message). */
  messageCallbackAdd(sub: string, callback: CallbackOnMessage<Client<V, P, U>, U>): void {
    validateTopicFilter(sub, 'sub');
    if (typeof callback !== 'function') throw new ValueError('callback: must be a function');
    this.driver.delivery.addFilter(sub, callback);
  }

  /** Removes the callback messageCallbackAdd() registered for `sub`. */
  messageCallbackRemove(sub: string): void {
    validateTopicFilter(sub, 'sub');
    this.driver.delivery.filtered?.delete(sub);
  }

  // ---- paho 2.x decorators: `client.connectCallback()(fn)` sets on_connect and returns fn (lib/client/decorators.ts) ----

  /** Decorator form of on_connect: `client.connectCallback()(fn)` sets it and returns fn. */
  connectCallback(): CallbackDecorator<Slots<V, P, U>['on_connect']> { return slotDecorator(this, 'on_connect'); }
  /** Decorator form of on_connect_fail: `client.connectFailCallback()(fn)` sets it and returns fn. */
  connectFailCallback(): CallbackDecorator<Slots<V, P, U>['on_connect_fail']> { return slotDecorator(this, 'on_connect_fail'); }
  /** Decorator form of on_disconnect: `client.disconnectCallback()(fn)` sets it and returns fn. */
  disconnectCallback(): CallbackDecorator<Slots<V, P, U>['on_disconnect']> { return slotDecorator(this, 'on_disconnect'); }
  /** Decorator form of on_log: `client.logCallback()(fn)` sets it and returns fn. */
  logCallback(): CallbackDecorator<Slots<V, P, U>['on_log']> { return slotDecorator(this, 'on_log'); }
  /** Decorator form of on_message: `client.messageCallback()(fn)` sets it and returns fn. */
  messageCallback(): CallbackDecorator<Slots<V, P, U>['on_message']> { return slotDecorator(this, 'on_message'); }
  /** Decorator form of on_pre_connect: `client.preConnectCallback()(fn)` sets it and returns fn. */
  preConnectCallback(): CallbackDecorator<Slots<V, P, U>['on_pre_connect']> { return slotDecorator(this, 'on_pre_connect'); }
  /** Decorator form of on_publish: `client.publishCallback()(fn)` sets it and returns fn. */
  publishCallback(): CallbackDecorator<Slots<V, P, U>['on_publish']> { return slotDecorator(this, 'on_publish'); }
  /** Decorator form of on_subscribe: `client.subscribeCallback()(fn)` sets it and returns fn. */
  subscribeCallback(): CallbackDecorator<Slots<V, P, U>['on_subscribe']> { return slotDecorator(this, 'on_subscribe'); }
  /** Decorator form of on_unsubscribe: `client.unsubscribeCallback()(fn)` sets it and returns fn. */
  unsubscribeCallback(): CallbackDecorator<Slots<V, P, U>['on_unsubscribe']> { return slotDecorator(this, 'on_unsubscribe'); }
  /** Decorator form of on_socket_open: `client.socketOpenCallback()(fn)` sets it and returns fn. */
  socketOpenCallback(): CallbackDecorator<Slots<V, P, U>['on_socket_open']> { return slotDecorator(this, 'on_socket_open'); }
  /** Decorator form of on_socket_close: `client.socketCloseCallback()(fn)` sets it and returns fn. */
  socketCloseCallback(): CallbackDecorator<Slots<V, P, U>['on_socket_close']> { return slotDecorator(this, 'on_socket_close'); }
  /** Decorator form of on_socket_register_write: `client.socketRegisterWriteCallback()(fn)` sets it and returns fn. */
  socketRegisterWriteCallback(): CallbackDecorator<Slots<V, P, U>['on_socket_register_write']> { return slotDecorator(this, 'on_socket_register_write'); }
  /** Decorator form of on_socket_unregister_write: `client.socketUnregisterWriteCallback()(fn)` sets it and returns fn. */
  socketUnregisterWriteCallback(): CallbackDecorator<Slots<V, P, U>['on_socket_unregister_write']> { return slotDecorator(this, 'on_socket_unregister_write'); }
  /** messageCallbackAdd(sub, fn) as a decorator; `sub` is checked here already. */
  topicCallback(sub: string): CallbackDecorator<CallbackOnMessage<Client<V, P, U>, U>> {
    validateTopicFilter(sub, 'sub');
    return topicDecorator<CallbackOnMessage<Client<V, P, U>, U>>((filter, fn) => this.messageCallbackAdd(filter, fn), sub);
  }

  // ---- connection ------------------------------------------------------------------------------

  /**
   * Connects to a broker: resolves MQTT_ERR_SUCCESS once the socket is open and CONNECT is
   * sent; rejects on socket/DNS errors. CONNACK arrives through the loop (on_connect).
   * With `transport: 'unix'`, `host` is the socket's path and `port` is not used.
   *
   * With the `servers` option, `host` may be left out (undefined): each server of the list is
   * tried in turn, from the next one, until a socket opens (rejecting with the last error), and
   * reconnects rotate through the list; `port` is then each server's. A host given means that
   * one server, instead of the list.
   *
   * MQTT 5 only: `cleanStart` true, false, or MQTT_CLEAN_START_FIRST_ONLY (default: a clean
   * start on the first connection, resuming the session on every reconnect), and CONNECT
   * `properties` (PacketTypes.CONNECT), both kept for reconnects. Either with MQTT 3.x is a ValueError.
   */
  connect(host?: string, port = 1883, keepalive = 60, bindAddress = '', bindPort = 0,
    cleanStart: boolean | number = MQTT_CLEAN_START_FIRST_ONLY, properties?: PacketProperties): Promise<number> {
    this.setTarget(host, port, keepalive, bindAddress, bindPort, cleanStart, properties);
    return host === undefined ? this.driver.connector.connectAny() : this.reconnect();
  }

  /**
   * Connects to the broker a DNS SRV record names: `_mqtt._tcp.<domain>`, or
   * `_secure-mqtt._tcp.<domain>` when TLS is set. Targets are tried in RFC 2782 order
   * (priority, then weight); resolves with the first that opens, rejects with the last error.
   * Node cannot tell the machine's own domain reliably: `domain` is required.
   */
  connectSrv(domain?: string, keepalive = 60, bindAddress = '', bindPort = 0,
    cleanStart: boolean | number = MQTT_CLEAN_START_FIRST_ONLY, properties?: PacketProperties): Promise<number> {
    if (typeof domain !== 'string' || domain.replace(/\.$/, '') === '') {
      throw new ValueError('domain: required (the DNS domain whose SRV records name the broker)');
    }
    checkInt(keepalive, 'keepalive', 0, 65535);
    if (typeof bindAddress !== 'string') throw new ValueError('bindAddress: must be a string');
    checkInt(bindPort, 'bindPort', 0, 65535);
    const props = checkCleanStart(cleanStart, properties, this.mode.v5);
    return this.connectSrvTargets(domain, keepalive, bindAddress, bindPort, cleanStart, props);
  }

  private async connectSrvTargets(domain: string, keepalive: number, bindAddress: string, bindPort: number,
    cleanStart: boolean | number, properties: PacketProperties | undefined): Promise<number> {
    const targets = await resolveSrvTargets(domain, this.driver.connector.transports.tls !== null);
    let last: unknown;
    for (const t of targets) {
      try {
        return await this.connect(t.name, t.port, keepalive, bindAddress, bindPort, cleanStart, properties);
      } catch (e) {
        last = e;
        // disconnect() or another connect() meanwhile: stop here.
        if (this.driver.connector.userDisconnect || isSuperseded(e)) throw e;
      }
    }
    throw last;
  }

  /** As connect() (`host` left out: the `servers` list), but the connection is made by loopStart()/loopForever(). */
  connectAsync(host?: string, port = 1883, keepalive = 60, bindAddress = '', bindPort = 0,
    cleanStart: boolean | number = MQTT_CLEAN_START_FIRST_ONLY, properties?: PacketProperties): void {
    this.setTarget(host, port, keepalive, bindAddress, bindPort, cleanStart, properties);
    this.driver.connector.connectAsync();
  }

  private setTarget(host: string | undefined, port: number, keepalive: number, bindAddress: string, bindPort: number,
    cleanStart: boolean | number, properties: PacketProperties | undefined): void {
    const fromList = host === undefined && this.driver.connector.hasServers;
    if (!fromList && (typeof host !== 'string' || host.length === 0)) throw new ValueError('host: must be a non-empty string');
    checkInt(port, 'port', 1, 65535);
    checkInt(keepalive, 'keepalive', 0, 65535);
    if (typeof bindAddress !== 'string') throw new ValueError('bindAddress: must be a string');
    checkInt(bindPort, 'bindPort', 0, 65535);
    const props = checkCleanStart(cleanStart, properties, this.mode.v5);
    if (this.mode.v5) this.driver.config.connectProperties = props;
    this.driver.config.keepalive = keepalive;
    this.driver.connector.setTarget(fromList ? null : host as string, port, bindAddress, bindPort, cleanStart);
  }

  /** Opens a new connection to the last host given (closing the current one, without callbacks). */
  reconnect(): Promise<number> {
    return this.driver.connector.reconnect();
  }

  /**
   * Sends DISCONNECT and closes the connection once everything queued is written; the
   * broker does not publish the will. With a clean session, pending messages fail.
   */
  disconnect(reasonCode?: number | ReasonCodes, properties?: PacketProperties): number {
    const code = checkDisconnectCode(reasonCode, this.mode.v5);
    const props = checkProperties(properties, PacketTypes.DISCONNECT, this.mode.v5);
    return this.driver.disconnect(code, props);
  }

  /**
   * The client id CONNECT carries (paho's `_client_id`): the one given; without one, '' on
   * MQTT 3.1.1 and 5.0 (the broker assigns an id to each connection; on 5.0 on_connect's
   * properties say which, as AssignedClientIdentifier, and it is not reused), and 22 random
   * characters of [0-9a-zA-Z] on 3.1, or on 3.1.1 once a broker rejected the empty id.
   */
  get clientId(): string {
    return this.driver.config.clientId;
  }

  /**
   * MQTT 5: starts a re-authentication (AUTH 0x19) with the connection's AuthenticationMethod
   * and `properties` (usually `{ AuthenticationData }`); the server's answers go to on_auth.
   * Returns MQTT_ERR_NO_CONN when not connected; ValueError when the connection did not use
   * enhanced authentication.
   */
  reauthenticate(properties?: PacketProperties): number {
    const props = checkProperties(properties, PacketTypes.AUTH, this.mode.v5);
    return this.driver.reauthenticate(props);
  }

  /**
   * The broker host (or Unix socket path) in use: of the last connect() call, or with the
   * `servers` list the server of the current (or last) attempt; '' before.
   */
  get host(): string {
    return this.driver.connector.host;
  }

  /** The broker port in use: of the last connect() call, or the `servers` list's current server (1883 before). */
  get port(): number {
    return this.driver.connector.port;
  }

  /** The keepalive in seconds sent in CONNECT (60 until connect() sets it). */
  get keepalive(): number {
    return this.driver.config.keepalive;
  }

  /** 'tcp', 'websockets' or 'unix', as paho 2.x's `transport`: settable only while the connection is closed. */
  get transport(): 'tcp' | 'websockets' | 'unix' {
    return this.driver.connector.transportKind;
  }
  /** Sets the transport (ValueError while connecting or connected). */
  set transport(value: 'tcp' | 'websockets' | 'unix') {
    checkSettable(this.driver.connectionClosed(), 'transport');
    this.driver.connector.transportKind = checkTransport(value);
  }

  /** The MQTT protocol version: MQTTv31, MQTTv311 or MQTTv5. */
  get protocol(): number {
    return this.driver.config.protocol;
  }

  /**
   * A snapshot of the client's counters, for a health endpoint or a metrics exporter: state,
   * server, connection attempts and failures, packets and bytes each way by type, messages by
   * QoS, in flight, queued, dropped and refused messages, the last PINGREQ round trip, time
   * connected, read pauses (fields: ClientStats). A fresh plain object each call, ready for
   * JSON.stringify; reading it costs nothing while it is not called.
   */
  stats(): ClientStats {
    return clientStats(this.driver);
  }

  /** True between CONNACK and the end of the connection, as paho's is_connected(). */
  isConnected(): boolean {
    return this.driver.isConnected();
  }

  // ---- messages ----------------------------------------------------------------------------------

  /**
   * Publishes a message. QoS 0 needs a connection (else rc MQTT_ERR_NO_CONN; with the option
   * offlineQos0 it is queued until CONNACK); QoS 1/2 is queued while offline and sent after
   * connecting. Returns an MQTTMessageInfo.
   * MQTT 5 topic aliases, paho's way: properties.TopicAlias with a topic maps the alias on this
   * connection; with an empty topic it stands for that topic (session/callerAliases.ts).
   */
  publish(topic: string, payload?: PayloadLike, qos: number = 0, retain = false, properties?: PacketProperties): MQTTMessageInfo {
    if (topic !== '' || !this.mode.v5) validateTopicName(topic, 'topic'); // MQTT 5: '' stands for a TopicAlias (the session checks it)
    const q = checkQos(qos);
    const body = toPayload(payload);
    const props = properties === undefined ? undefined : checkProperties(properties, PacketTypes.PUBLISH, this.mode.v5);
    return this.driver.publish(topic, body, q, !!retain, props);
  }

  /**
   * paho's subscribe(): 'a/b' with qos, ['a/b', qos], or [['a/b', qos], ...]. With MQTT 5 a
   * SubscribeOptions may stand for any qos, and `properties` (PacketTypes.SUBSCRIBE) go along.
   * Returns [rc, mid].
   */
  subscribe(topic: string | [string, number | SubscribeOptions] | [string, number | SubscribeOptions][],
    qos: number | SubscribeOptions = 0, properties?: PacketProperties): [number, number] {
    const subs = normalizeSubscriptions(topic, qos, this.mode.v5);
    const props = checkProperties(properties, PacketTypes.SUBSCRIBE, this.mode.v5);
    return this.driver.subscribe(subs, props);
  }

  /** paho's unsubscribe(): one filter or a list; with MQTT 5, `properties` (PacketTypes.UNSUBSCRIBE) go along. Returns [rc, mid]. */
  unsubscribe(topic: string | string[], properties?: PacketProperties): [number, number] {
    const topics = normalizeUnsubscribe(topic);
    const props = checkProperties(properties, PacketTypes.UNSUBSCRIBE, this.mode.v5);
    return this.driver.unsubscribe(topics, props);
  }

  /**
   * paho 2.x ack(mid, qos): acknowledges a received QoS 1/2 message (manualAckSet(true)).
   * MQTT_ERR_SUCCESS when sent, or owed to the broker's next PUBREL while offline (or when
   * manual ack is off: nothing to do, as paho); MQTT_ERR_NOT_FOUND when no unacknowledged
   * message has that id and QoS (already acked; QoS 1 received before a reconnect: the broker
   * resends it; QoS 2 whose session ended clean).
   */
  ack(mid: number, qos: number): number {
    checkInt(mid, 'mid', 0, 65535);
    checkQos(qos);
    if (!this.driver.delivery.manualAck || qos === 0) return MQTT_ERR_SUCCESS;
    return this.driver.ack(mid, qos) ? MQTT_ERR_SUCCESS : MQTT_ERR_NOT_FOUND;
  }

  // ---- the pump ---------------------------------------------------------------------------------------

  /**
   * Waits at most `timeout` seconds for network activity (or the next keepalive deadline),
   * processes it and runs callbacks. Returns an MQTT_ERR_* code, as paho's loop(): the call in
   * which the connection ends returns why (MQTT_ERR_SUCCESS when disconnect() asked for it,
   * MQTT_ERR_CONN_LOST, MQTT_ERR_PROTOCOL, ...); a call with no connection at all returns
   * MQTT_ERR_CONN_LOST. Never throws for network trouble.
   */
  loop(timeout = 1.0): Promise<number> {
    try {
      checkNumber(timeout, 'timeout', 0);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.driver.loop(timeout);
  }

  /** Processes received bytes and runs callbacks. */
  loopRead(): number {
    return this.driver.loopRead();
  }

  /** Writes everything queued, as one write. */
  loopWrite(): number {
    return this.driver.loopWrite();
  }

  /** Runs keepalive and retry deadlines. */
  loopMisc(): number {
    return this.driver.loopMisc();
  }

  /** The socket object of the current connection (net.Socket for TCP), or null. */
  socket(): unknown {
    return this.driver.transport?.socket ?? null;
  }

  /** True when bytes wait to be written. */
  wantWrite(): boolean {
    return this.driver.wantWrite();
  }

  /** Runs the pump in the background (reconnecting when the connection is lost). */
  loopStart(): number {
    return this.driver.connector.loopStart();
  }

  /**
   * Stops the background pump (the connection stays open; loop() can drive it again). After
   * disconnect() it first lets the disconnection finish, as paho's loop_stop() lets its thread
   * write the DISCONNECT: on_disconnect has run when it resolves.
   */
  loopStop(): Promise<number> {
    return this.driver.connector.loopStop();
  }

  /**
   * Runs the pump until disconnect(), reconnecting with backoff whenever the connection is
   * lost. With `retryFirstConnection` false, a failure of the very first connection
   * (connectAsync) rejects instead of being retried. Resolves with paho's rc: MQTT_ERR_CONN_LOST
   * after disconnect(); with reconnectOnFailure false, the lost connection's rc (foreverResult.ts).
   */
  loopForever(timeout = 1.0, retryFirstConnection = false): Promise<number> {
    checkNumber(timeout, 'timeout', 0);
    return this.driver.connector.loopForever(retryFirstConnection);
  }
}
