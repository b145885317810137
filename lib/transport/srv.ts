/**
 * DNS SRV lookup for connectSrv() (paho's connect_srv): `_mqtt._tcp.<domain>`, or
 * `_secure-mqtt._tcp.<domain>` when TLS is set (IANA's name for MQTT over TLS, port 8883),
 * ordered as RFC 2782 says a client must try them:
 * - lowest priority first;
 * - within one priority, a weighted random order: each pick chooses a record with a
 *   probability proportional to its weight, weight-0 records getting a very small chance
 *   (so they come last, in practice);
 * - a target of "." means "no such service here" and is dropped, as are port-0 records.
 * paho itself ignores the weights; the order of the first tries is what spreads a fleet's load.
 */
import * as dns from 'node:dns';
import { ValueError } from '../errors';

/** An SRV record, as dns.promises.resolveSrv returns it. */
export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** Looks up the SRV records of a name (default: dns.promises.resolveSrv). */
export type SrvResolver = (name: string) => Promise<SrvRecord[]>;

export interface SrvTarget {
  name: string;
  port: number;
}

/** The record name connectSrv looks up. */
export function srvRecordName(domain: string, secure: boolean): string {
  return `${secure ? '_secure-mqtt' : '_mqtt'}._tcp.${domain}`;
}

/**
 * RFC 2782 order. `random()` returns a number in [0, 1) (default Math.random), injectable so
 * tests can pin the order.
 */
export function orderSrvRecords(records: SrvRecord[], random: () => number = Math.random): SrvTarget[] {
  const usable = records.filter((r) => r.name !== '' && r.name !== '.' && r.port > 0);
  const byPriority = new Map<number, SrvRecord[]>();
  for (const r of usable) {
    const group = byPriority.get(r.priority);
    if (group === undefined) byPriority.set(r.priority, [r]);
    else group.push(r);
  }
  const out: SrvTarget[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    // Weight-0 records first in the list: then only a draw of exactly 0 selects one, while any
    // record with weight remains (the RFC's "very small chance").
    const left = byPriority.get(priority)!.slice().sort((a, b) => (a.weight === 0 ? 0 : 1) - (b.weight === 0 ? 0 : 1));
    while (left.length > 0) {
      const total = left.reduce((sum, r) => sum + r.weight, 0);
      const draw = Math.min(total, Math.floor(random() * (total + 1)));
      let running = 0;
      let pick = left.length - 1;
      for (let i = 0; i < left.length; i++) {
        running += left[i].weight;
        if (running >= draw) {
          pick = i;
          break;
        }
      }
      const [chosen] = left.splice(pick, 1);
      out.push({ name: chosen.name.replace(/\.$/, ''), port: chosen.port });
    }
  }
  return out;
}

const NO_RECORD_CODES = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

/**
 * The SRV targets for `domain`, in the order to try them. No record (NXDOMAIN, no SRV answer,
 * or only "." targets) is a ValueError, as paho raises; other resolver failures (no DNS
 * server reachable, ...) are passed on with their code.
 */
export async function resolveSrvTargets(
  domain: string,
  secure: boolean,
  resolver?: SrvResolver,
  random: () => number = Math.random,
): Promise<SrvTarget[]> {
  if (typeof domain !== 'string' || domain.replace(/\.$/, '') === '') throw new ValueError('domain: must be a non-empty DNS domain');
  const name = srvRecordName(domain.replace(/\.$/, ''), secure);
  const resolve = resolver ?? ((n: string) => dns.promises.resolveSrv(n));
  let records: SrvRecord[];
  try {
    records = await resolve(name);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && NO_RECORD_CODES.has(code)) throw new ValueError(`domain: no SRV record ${name} (${code})`, { cause: e });
    throw e;
  }
  const targets = orderSrvRecords(records, random);
  if (targets.length === 0) throw new ValueError(`domain: SRV record ${name} names no usable target`);
  return targets;
}
