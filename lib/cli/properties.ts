/**
 * `-D COMMAND NAME VALUE` (mosquitto's --property): MQTT 5 properties by mosquitto's names
 * (`user-property`, `session-expiry-interval`, ...), collected per packet, checked against the
 * MQTT 5 property table with mosquitto_pub/sub's error texts.
 */
import { propertySpec, WILL } from '../protocol/properties';
import type { PacketProperties, PropertyName } from '../protocol/types';

/** The packets -D can name, by mosquitto's command names, with their packet kind number. */
const COMMANDS: Record<string, number> = {
  connect: 1, connack: 2, publish: 3, puback: 4, pubrec: 5, pubrel: 6, pubcomp: 7, subscribe: 8, suback: 9,
  unsubscribe: 10, unsuback: 11, disconnect: 14, auth: 15, will: WILL,
};

/** The commands whose properties the CLI sends (the others are the broker's, or acks mqttloop writes itself). */
export type PropertyCommand = 'connect' | 'publish' | 'subscribe' | 'unsubscribe' | 'disconnect' | 'will';
const SUPPORTED = new Set<string>(['connect', 'publish', 'subscribe', 'unsubscribe', 'disconnect', 'will']);

export type CommandProperties = Partial<Record<PropertyCommand, PacketProperties>>;

/** A -D mistake: the message is mosquitto's where it has one. */
export class PropertyError extends Error {}

/** `user-property` -> `UserProperty`. */
function propertyName(mosquittoName: string): PropertyName | undefined {
  if (!/^[a-z]+(-[a-z]+)*$/.test(mosquittoName)) return undefined;
  const name = mosquittoName.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
  return propertySpec(name)?.name;
}

/** How mosquitto names the packet in "Error in ... properties". */
const packetLabel = (command: string) => (command === 'will' ? 'Will' : command.toUpperCase());

/**
 * Adds one -D to `into`. `args` starts at the command; returns how many arguments it took
 * (3, or 4 for user-property). Throws PropertyError.
 */
export function addProperty(into: CommandProperties, args: string[]): number {
  if (args.length < 3) throw new PropertyError('--property argument given but not enough arguments specified.');
  const [command, name, value] = args;
  const kind = COMMANDS[command];
  if (kind === undefined) throw new PropertyError('Invalid command given in --property argument.');
  const prop = propertyName(name);
  if (prop === undefined) throw new PropertyError('Invalid property name given in --property argument.');
  const spec = propertySpec(prop)!;
  if ((spec.allowed & (1 << kind)) === 0) throw new PropertyError(`${name} property not allowed for ${command} in --property argument.`);
  if (!SUPPORTED.has(command)) throw new PropertyError(`${name} property not supported for ${command} in --property argument.`);
  const props = (into[command as PropertyCommand] ??= {});
  const repeatable = prop === 'UserProperty' || (prop === 'SubscriptionIdentifier' && command === 'publish');
  if (!repeatable && props[prop] !== undefined) {
    throw new PropertyError(`Error in ${packetLabel(command)} properties: Duplicate property in property list`);
  }
  switch (spec.type) {
    case 'pair': {
      if (args.length < 4) throw new PropertyError('--property argument given but not enough arguments specified.');
      (props.UserProperty ??= []).push([value, args[3]]);
      return 4;
    }
    case 'utf8':
      (props as Record<string, unknown>)[prop] = value;
      return 3;
    case 'binary':
      (props as Record<string, unknown>)[prop] = Buffer.from(value, 'utf8');
      return 3;
    default: {
      if (!/^\d+$/.test(value) || Number(value) < spec.min || Number(value) > spec.max) {
        throw new PropertyError(`Invalid value for ${name} in --property argument: '${value}' (from ${spec.min} to ${spec.max}).`);
      }
      const n = Number(value);
      if (prop === 'SubscriptionIdentifier' && props.SubscriptionIdentifier !== undefined) {
        const ids = props.SubscriptionIdentifier;
        props.SubscriptionIdentifier = Array.isArray(ids) ? [...ids, n] : [ids, n];
      } else {
        (props as Record<string, unknown>)[prop] = n;
      }
      return 3;
    }
  }
}
