/**
 * Where and how MQTTClient connects: the Target that connect() resolves from its arguments and
 * the configuration (broker URI, clean session flag, CA, WebSocket headers), and a Client set up
 * for it through the Client's public API. Reconnections reuse the Target.
 */
import { Client } from '../client';
import { MQTTv311, MQTTv5 } from '../constants';
import { ValueError } from '../errors';
import { CERT_NONE } from '../transport/tlsOptions';
import { readCa, ResolvedConfig } from './config';
import { BrokerUri, parseBrokerUri } from '../transport/uri';

export interface Target {
  uri: BrokerUri;
  cleansession: boolean;
  ca?: Buffer;
  additionalHeaders?: Record<string, string>;
}

/** connect()'s arguments, each defaulting to the configuration's. */
export function resolveTarget(
  config: Readonly<ResolvedConfig>, uri: string | null | undefined, cleansession: boolean | null | undefined, cafile: string | null | undefined,
  capath: string | null | undefined, cadata: string | null | undefined, additionalHeaders: Record<string, string> | null | undefined,
): Target {
  const broker = config.broker ?? {};
  const u = uri ?? broker.uri;
  if (u === undefined || u === null) throw new ValueError('uri: no broker URI given and none in config.broker.uri');
  const parsed = parseBrokerUri(u);
  const target: Target = {
    uri: parsed,
    cleansession: cleansession ?? config.cleansession,
    additionalHeaders: additionalHeaders ?? undefined,
  };
  if (parsed.secure) target.ca = readCa(cafile ?? broker.cafile, capath ?? broker.capath, cadata ?? broker.cadata);
  return target;
}

/**
 * A Client for `target`, configured but not connected. It never reconnects by itself
 * (`reconnectOnFailure: false`): reconnection is MQTTClient's (reconnect.ts).
 */
export function clientFor(clientId: string, cfg: Readonly<ResolvedConfig>, target: Target): Client {
  const { uri } = target;
  const client = new Client({
    clientId, cleanSession: cfg.protocol === MQTTv5 ? undefined : target.cleansession, protocol: cfg.protocol ?? MQTTv311,
    transport: uri.websocket ? 'websockets' : 'tcp', reconnectOnFailure: false, store: cfg.store,
  });
  if (cfg.logger) client.enableLogger(cfg.logger);
  client.maxInflightMessagesSet(cfg.maxInflightMessages);
  if (cfg.connectionTimeout !== undefined) client.connectTimeout = cfg.connectionTimeout;
  if (uri.username !== undefined) client.usernamePwSet(uri.username, uri.password ?? null);
  if (cfg.will) client.willSet(cfg.will.topic, cfg.will.message, cfg.will.qos ?? 0, cfg.will.retain ?? false, cfg.will.properties ?? undefined);
  if (uri.secure) {
    client.tlsSet({ caCerts: target.ca ?? null, certfile: cfg.certfile ?? null, keyfile: cfg.keyfile ?? null, certReqs: cfg.verifyCert === false ? CERT_NONE : null });
    if (cfg.checkHostname === false) client.tlsInsecureSet(true);
  }
  if (uri.websocket) client.wsSetOptions(uri.path, target.additionalHeaders);
  return client;
}
