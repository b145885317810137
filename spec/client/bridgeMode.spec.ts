/**
 * enableBridgeMode() against mosquitto, which takes the CONNECT level's top bit as a bridge:
 * it does not send the bridge's own messages back to it, and forwards others' messages with
 * their retain flag as published. paho 2.1 with enable_bridge_mode() against mosquitto 2.0.11
 * got exactly this: without it [('br/own', b'mine', False), ('br/other', b'theirs', False)],
 * with it [('br/other', b'theirs', True)].
 */
import { Client, MQTTMessage } from '../../lib';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { startClient, TestBroker, useClients, waitFor } from './support';

describeWithMosquitto('enableBridgeMode() against mosquitto', () => {
  let broker: MosquittoBroker;
  const clients = useClients();
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });
  const target = (): TestBroker => ({ kind: 'mosquitto', host: broker.host, port: broker.port, mosquitto: broker, stop: () => broker.stop() });

  test.each([false, true])('bridge %p: own messages echoed only without it; others\' retained messages keep retain only with it', async (bridge) => {
    const id = `br-${bridge}`;
    const c = clients.make({ clientId: id });
    if (bridge) c.enableBridgeMode();
    const got: Array<[string, string, boolean]> = [];
    c.on_message = (_c: Client, _u: unknown, m: MQTTMessage) => got.push([m.topic, m.payload.toString(), m.retain]);
    await startClient(c, target(), [[`${id}/#`, 1]]);
    await c.publish(`${id}/own`, 'mine', 1).waitForPublish();
    const other = clients.make({ clientId: `${id}-other` });
    await startClient(other, target());
    await other.publish(`${id}/other`, 'theirs', 1, true).waitForPublish();
    await waitFor(() => got.some(([t]) => t === `${id}/other`), 5000, 'the other client\'s message');
    // A marker after both: anything of ours would have come before it.
    await other.publish(`${id}/marker`, '', 1).waitForPublish();
    await waitFor(() => got.some(([t]) => t === `${id}/marker`), 5000, 'the marker');
    const seen = got.filter(([t]) => t !== `${id}/marker`);
    if (bridge) expect(seen).toEqual([[`${id}/other`, 'theirs', true]]);
    else expect(seen).toEqual([[`${id}/own`, 'mine', false], [`${id}/other`, 'theirs', false]]);
    await other.publish(`${id}/other`, null, 1, true).waitForPublish();
  });
});
