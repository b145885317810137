/**
 * 10,000 QoS 1 + 10,000 QoS 2 messages under every fault kind at once (see combined.ts): the
 * reliability specs' headline run: 15-45 s (alone / beside the other spec files). `npm run soak` runs a
 * longer one (spec/soak/).
 */
import { describeWithMosquitto } from '../support/mosquitto';
import { runCombined } from './combined';

describeWithMosquitto('combined faults', () => {
  it('10,000 + 10,000 messages: none lost, no QoS 2 duplicate', async () => {
    await runCombined(10000, { faultEveryMs: 250, timeoutMs: 150000 });
  }, 180000);
});
