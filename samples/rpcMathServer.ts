/**
 * A port of paho's server_rpc_math.py: an MQTT 5 request/response service. It answers
 * requests on requests/math/add and requests/math/mult (a JSON list of numbers) by publishing
 * the result to each request's ResponseTopic, with its CorrelationData copied back.
 *   npx tsx samples/rpcMathServer.ts mqtt://localhost:1883 [--count N]   (N: stop after N requests)
 */
import { CallbackAPIVersion, Client, MQTTMessage, MQTTv5, PacketTypes, Properties, ReasonCodes } from 'mqttloop';
import { sampleArgs } from './args';

const FUNCS: Record<string, (xs: number[]) => number> = {
  add: (xs) => xs.reduce((a, b) => a + b, 0),
  mult: (xs) => xs.reduce((a, b) => a * b, 1),
};

async function main(): Promise<void> {
  const args = sampleArgs({ count: 0 });
  let handled = 0;
  const client = new Client(CallbackAPIVersion.VERSION2, { clientId: 'rpc-math-server', protocol: MQTTv5 });

  client.on_connect = (c: Client, _u: unknown, _flags: unknown, rc: ReasonCodes) => {
    if (rc.isFailure) {
      console.error(`connection refused: ${rc}`);
      process.exit(1);
    }
    c.subscribe('requests/math/#', 1);
  };
  client.on_subscribe = () => console.log('ready');

  client.on_message = (c: Client, _u: unknown, msg: MQTTMessage) => {
    const props = msg.properties!;
    if (props.ResponseTopic === undefined) return; // not a request: nowhere to answer
    const func = FUNCS[msg.topic.split('/').pop()!];
    const reply = new Properties(PacketTypes.PUBLISH);
    if (props.CorrelationData !== undefined) reply.CorrelationData = props.CorrelationData;
    let result: unknown;
    try {
      const xs = JSON.parse(msg.payload.toString()) as number[];
      result = func === undefined ? { error: `unknown function ${msg.topic}` } : func(xs);
    } catch (e) {
      result = { error: (e as Error).message };
    }
    c.publish(props.ResponseTopic, JSON.stringify(result), 1, false, reply);
    if (args.count > 0 && ++handled >= args.count) setImmediate(() => c.disconnect());
  };

  await client.connect(args.host, args.port, 60);
  await client.loopForever();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
