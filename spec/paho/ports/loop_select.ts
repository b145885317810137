// Driving the client from the program's own select() loop: the socket hooks say when the socket
// opens and closes and when it has something to write; loop_read/loop_write/loop_misc do the work.
import * as mqtt from 'mqttloop';
import * as select from '../select';
import { print } from '../py';

async function main() {
  const HOST = process.argv[2];
  const PORT = Number(process.argv[3]);
  const PREFIX = process.argv[4];

  function on_socket_open(client: mqtt.Client, userdata: typeof state, sock: mqtt.SocketLike) {
    print('socket opened');
    userdata['sock'] = sock;
  }

  function on_socket_close(client: mqtt.Client, userdata: typeof state, sock: mqtt.SocketLike) {
    print('socket closed');
    userdata['sock'] = null;
  }

  function on_socket_register_write(client: mqtt.Client, userdata: typeof state, sock: mqtt.SocketLike) {
    userdata['write'] = true;
  }

  function on_socket_unregister_write(client: mqtt.Client, userdata: typeof state, sock: mqtt.SocketLike) {
    userdata['write'] = false;
  }

  function on_connect(client: mqtt.Client, userdata: typeof state, flags: mqtt.ConnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    print('connected', reason_code);
    client.subscribe(PREFIX + '/select', 1);
  }

  function on_subscribe(client: mqtt.Client, userdata: typeof state, mid: number, reason_code_list: mqtt.ReasonCodes[], properties: mqtt.Properties) {
    print('subscribed', reason_code_list[0]);
    client.publish(PREFIX + '/select', Buffer.from('Hello'.repeat(40000), 'latin1'), 1);
  }

  function on_message(client: mqtt.Client, userdata: typeof state, msg: mqtt.MQTTMessage) {
    print('message with len', msg.payload.length);
    client.disconnect();
  }

  function on_disconnect(client: mqtt.Client, userdata: typeof state, flags: mqtt.DisconnectFlags, reason_code: mqtt.ReasonCodes, properties: mqtt.Properties) {
    print('disconnected', reason_code);
  }

  const state: { sock: mqtt.SocketLike | null; write: boolean } = { 'sock': null, 'write': false };
  const mqttc = new mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, { userdata: state });
  mqttc.on_socket_open = on_socket_open;
  mqttc.on_socket_close = on_socket_close;
  mqttc.on_socket_register_write = on_socket_register_write;
  mqttc.on_socket_unregister_write = on_socket_unregister_write;
  mqttc.on_connect = on_connect;
  mqttc.on_subscribe = on_subscribe;
  mqttc.on_message = on_message;
  mqttc.on_disconnect = on_disconnect;
  await mqttc.connect(HOST, PORT, 60);

  while (state['sock'] !== null) {
    const sock = state['sock'];
    const [r, w, e] = await select.select([sock], state['write'] ? [sock] : [], [], 1);
    if (r.includes(sock)) {
      mqttc.loopRead();
    }
    if (w.includes(sock)) {
      mqttc.loopWrite();
    }
    mqttc.loopMisc();
  }
  print('done');
}
main();
