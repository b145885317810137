/*
 * The MQTTClient samples (ports of amqtt's examples), run as programs against mosquitto:
 * samples/uptime.ts, samples/testCoro.ts (concurrent) and samples/testCoro2.ts (sequential).
 */
import { QOS_2 } from '../../lib';
import { describeWithMosquitto } from '../support/mosquitto';
import { runSample } from '../support/samples';
import { unique, uriOf, useAioClients, useMosquitto } from './support';

describeWithMosquitto('samples', () => {
  const broker = useMosquitto({ extraConfig: 'sys_interval 1\n' });
  const make = useAioClients();

  test.each(['testCoro', 'testCoro2'])('%s publishes three messages on a/b with QoS 0, 1 and 2', async (name) => {
    const sub = make(unique('sub'), { autoReconnect: false });
    await sub.connect(uriOf(broker()));
    await sub.subscribe([['a/b', QOS_2]]);
    const r = await runSample(name, [uriOf(broker())]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^messages published/m);
    const got = [];
    for (let i = 0; i < 3; i++) {
      const m = await sub.deliverMessage(5);
      got.push(`${m.publishPacket.variableHeader.topicName} ${m.qos} ${m.data.toString()}`);
    }
    expect(got.sort()).toEqual([
      'a/b 0 TEST MESSAGE WITH QOS_0', 'a/b 1 TEST MESSAGE WITH QOS_1', 'a/b 2 TEST MESSAGE WITH QOS_2',
    ]);
  });

  test('uptime prints the $SYS uptime / load messages it receives', async () => {
    const r = await runSample('uptime', [uriOf(broker()), '--count', '3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^${i + 1}: \\$SYS/broker/(uptime|load/\\S+) => \\S`)));
  });

  test('an unknown argument prints the usage and exits 2', async () => {
    const r = await runSample('testCoro2', [uriOf(broker()), '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^usage: /);
  });
});
