/**
 * `npm run soak`: 50,000 QoS 1 + 50,000 QoS 2 messages under faults twice as frequent as in
 * npm test (client SIGKILL + restart with its fileStore, links cut mid-packet both ways, links
 * dropped), to show that nothing accumulates over a long run.
 */
import { describeWithMosquitto } from '../support/mosquitto';
import { runCombined } from '../reliability/combined';

describeWithMosquitto('combined faults (soak)', () => {
  it('50,000 + 50,000 messages: none lost, no QoS 2 duplicate', async () => {
    await runCombined(50000, { faultEveryMs: 125, timeoutMs: 500000 });
  }, 600000);
});
