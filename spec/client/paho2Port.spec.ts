/*
 * A paho 2.x program using MQTT 5 (properties, reason codes, shared
 * subscriptions, manual ack) ported line by line, run against mosquitto. The Python it ports is
 * quoted beside each line. Two workers share `$share/workers/jobs/#` with manual ack at QoS 2; a
 * producer publishes jobs with user properties and a response topic; each worker acknowledges a
 * job only after "processing" it and replies to the job's response topic with its correlation
 * data. Every job must be processed exactly once across the group and every reply must arrive.
 */
import {
  CallbackAPIVersion, Client, MQTTMessage, MQTTv5, PacketTypes, Properties, ReasonCodes, SubscribeOptions,
} from '../../lib';
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { nextEvent, uid, useClients, waitFor } from './support';

const JOBS = 200;

describeWithMosquitto('a paho 2.x MQTT 5 program, ported line by line', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => { broker = await startMosquitto(); });
  afterAll(async () => { await broker.stop(); });
  const clients = useClients();
  const workers: Client[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      w.disconnect();
      await w.loopStop();
    }
  });

  test('shared subscription + manual ack + properties + reason codes: every job once, every reply back', async () => {
    const group = uid('jobs');
    const processed = new Map<number, string[]>(); // job number -> workers that processed it
    const subscribeCodes: ReasonCodes[][] = [];
    const connectCodes: ReasonCodes[] = [];
    const failures: string[] = [];

    // def on_connect(client, userdata, flags, reason_code, properties):
    //     if reason_code.is_failure: print(...) else: client.subscribe("$share/workers/jobs/#", options=SubscribeOptions(qos=2))
    const on_connect = (client: Client, userdata: unknown, flags: unknown, reasonCode: ReasonCodes, properties: Properties) => {
      connectCodes.push(reasonCode);
      if (reasonCode.isFailure) failures.push(`connect: ${reasonCode}`);
      else client.subscribe(`$share/workers/${group}/#`, new SubscribeOptions(2));
    };
    // def on_subscribe(client, userdata, mid, reason_code_list, properties):
    const on_subscribe = (client: Client, userdata: unknown, mid: number, reasonCodeList: ReasonCodes[], properties: Properties) => {
      subscribeCodes.push(reasonCodeList);
    };
    // def on_message(client, userdata, message):
    //     work(message); client.publish(message.properties.ResponseTopic, ..., properties=reply); client.ack(message.mid, message.qos)
    const on_message = (client: Client, userdata: unknown, message: MQTTMessage) => {
      const job = Number(message.payload.toString());
      const seen = processed.get(job) ?? [];
      seen.push(userdata as string);
      processed.set(job, seen);
      const reply = new Properties(PacketTypes.PUBLISH);
      reply.CorrelationData = message.properties!.CorrelationData;
      reply.UserProperty = [['worker', userdata as string]];
      client.publish(message.properties!.ResponseTopic!, `done ${job}`, 1, false, reply);
      if (client.ack(message.mid, message.qos) !== 0) failures.push(`ack ${message.mid} refused`);
    };

    for (const name of ['w1', 'w2']) {
      // mqttc = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5, userdata=name)
      const w = new Client(CallbackAPIVersion.VERSION2, { clientId: uid(name), protocol: MQTTv5, userdata: name });
      w.on_connect = on_connect;
      w.on_subscribe = on_subscribe;
      w.on_message = on_message;
      w.manualAckSet(true); // mqttc.manual_ack_set(True)
      await w.connect(broker.host, broker.port, 60); // mqttc.connect(host, port, 60)
      w.loopStart(); // mqttc.loop_start()
      workers.push(w);
    }
    await waitFor(() => subscribeCodes.length === 2, 5000, 'both SUBACKs');

    // The producer: requests with a response topic and correlation data, replies collected.
    const producer = clients.make({ protocol: MQTTv5, cleanSession: undefined, callbackApiVersion: CallbackAPIVersion.VERSION2 });
    const replies = new Map<number, { body: string; worker: string }>();
    const publishCodes: ReasonCodes[] = [];
    producer.on_publish = (client: Client, userdata: unknown, mid: number, reasonCode: ReasonCodes) => { publishCodes.push(reasonCode); };
    producer.on_message = (client: Client, userdata: unknown, message: MQTTMessage) => {
      const job = message.properties!.CorrelationData!.readUInt32BE(0);
      replies.set(job, { body: message.payload.toString(), worker: message.properties!.UserProperty![0][1] });
    };
    await producer.connect(broker.host, broker.port, 60);
    producer.loopStart();
    await waitFor(() => producer.isConnected(), 5000, 'the producer');
    const replyTopic = `${group}-replies/producer`;
    const suback = nextEvent(producer, 'subscribe');
    producer.subscribe(replyTopic, 1);
    await suback;

    const infos = [];
    for (let job = 0; job < JOBS; job++) {
      const props = new Properties(PacketTypes.PUBLISH);
      props.ResponseTopic = replyTopic;
      const corr = Buffer.alloc(4);
      corr.writeUInt32BE(job, 0);
      props.CorrelationData = corr;
      props.UserProperty = [['kind', 'job']];
      infos.push(producer.publish(`${group}/j${job % 7}`, String(job), 2, false, props));
    }
    for (const info of infos) await info.waitForPublish(10);
    await waitFor(() => replies.size === JOBS, 20000, `${JOBS} replies (got ${replies.size})`);

    expect(failures).toEqual([]);
    expect(connectCodes.map((rc) => [rc.value, rc.getName(), rc.isFailure])).toEqual([[0, 'Success', false], [0, 'Success', false]]);
    for (const codes of subscribeCodes) expect(codes.map((rc) => rc.getName())).toEqual(['Granted QoS 2']);
    expect(publishCodes).toHaveLength(JOBS);
    expect(publishCodes.every((rc) => rc instanceof ReasonCodes && !rc.isFailure)).toBe(true);
    // Exactly once across the group: each job processed by one worker, once.
    expect(processed.size).toBe(JOBS);
    for (const [job, seen] of processed) {
      expect({ job, seen: seen.length }).toEqual({ job, seen: 1 });
      expect(replies.get(job)).toEqual({ body: `done ${job}`, worker: seen[0] });
    }
    // The broker split the work: both members of the share group took part.
    const perWorker = new Set([...processed.values()].map((s) => s[0]));
    expect([...perWorker].sort()).toEqual(['w1', 'w2']);
  });
});
