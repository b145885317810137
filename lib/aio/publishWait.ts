/**
 * publish()'s wait for its QoS flow: on the Client's MQTTMessageInfo, resolved on PUBACK /
 * PUBCOMP (QoS 0: once written), rejected with ClientError when the flow can never complete,
 * with TimeoutError after `ackTimeout` seconds (the message stays queued in the Client), or
 * with whatever error MQTTClient fails its waiters with (disconnect(), cancelTasks()).
 */
import type { MQTTMessageInfo } from '../message';
import { errorString } from '../strings';
import { ClientError, TimeoutError } from './errors';
import { Timers, Waiters } from './waiters';

/** Settles one publish() call: with an error, or with nothing once its flow completed. */
type PublishWaiter = (err?: Error) => void;

export class PublishWaits {
  private readonly settlers = new Waiters<PublishWaiter>();

  /** `timers`: the client's, so that cancelTasks() and disconnect() clear the time limits too. */
  constructor(private readonly timers: Timers) {}

  get size(): number {
    return this.settlers.size;
  }

  wait(info: MQTTMessageInfo, ackTimeout: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (err?: Error): void => {
        if (done) return;
        done = true;
        if (timer !== undefined) this.timers.clear(timer);
        this.settlers.take(settle);
        if (err) reject(err);
        else resolve();
      };
      this.settlers.add(settle);
      if (ackTimeout !== undefined) {
        timer = this.timers.start(() => settle(new TimeoutError(`no acknowledgement for message ${info.mid} within ${ackTimeout} s`)), ackTimeout * 1000);
      }
      info._whenSettled((e) => {
        if (e === null) settle();
        else settle(new ClientError(`message ${info.mid} was not published: ${errorString(e.rc)}`, { cause: e, rc: e.rc }));
      });
    });
  }

  failAll(err: Error): void {
    for (const settle of this.settlers.takeAll()) settle(err);
  }
}
