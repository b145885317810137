/**
 * A port of paho's client_rpc_math.py: calls the math service of rpcMathServer.ts over
 * MQTT 5 request/response. It subscribes to its own reply topic, publishes the request with
 * ResponseTopic and CorrelationData, and prints the result of the reply that carries the
 * same CorrelationData.
 *   npx tsx samples/rpcMathClient.ts mqtt://localhost:1883 add 1 2 3     -> 6
 */
import { CallbackAPIVersion, Client, MQTTMessage, MQTTv5, PacketTypes, Properties, ReasonCodes } from 'mqttloop';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const url = argv[0] !== undefined && /^mqtt:\/\//.test(argv[0]) ? new URL(argv.shift()!) : new URL('mqtt://localhost:1883');
  const [func, ...nums] = argv;
  if (func === undefined || nums.some((n) => Number.isNaN(Number(n)))) {
    console.error(`usage: ${process.argv[1]} [mqtt://host:port] add|mult NUMBER...`);
    process.exit(2);
  }
  const clientId = `rpc-math-client-${process.pid}`;
  const replyTo = `replies/math/${clientId}`;
  const correlation = Buffer.from('1');
  const client = new Client(CallbackAPIVersion.VERSION2, { clientId, protocol: MQTTv5 });

  client.on_connect = (c: Client, _u: unknown, _flags: unknown, rc: ReasonCodes) => {
    if (rc.isFailure) {
      console.error(`connection refused: ${rc}`);
      process.exit(1);
    }
    c.subscribe(replyTo, 1);
  };
  client.on_subscribe = (c: Client) => {
    // Subscribed to the reply topic: now the request can go out.
    const props = new Properties(PacketTypes.PUBLISH);
    props.ResponseTopic = replyTo;
    props.CorrelationData = correlation;
    c.publish(`requests/math/${func}`, JSON.stringify(nums.map(Number)), 1, false, props);
  };
  client.on_message = (c: Client, _u: unknown, msg: MQTTMessage) => {
    if (!msg.properties?.CorrelationData?.equals(correlation)) return; // someone else's reply
    console.log(msg.payload.toString());
    c.disconnect();
  };

  await client.connect(url.hostname, url.port ? Number(url.port) : 1883, 60);
  await client.loopForever();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
