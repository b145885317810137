# Driving the client from the program's own select() loop: the socket hooks say when the socket
# opens and closes and when it has something to write; loop_read/loop_write/loop_misc do the work.
import select
import sys
import paho.mqtt.client as mqtt

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]


def on_socket_open(client, userdata, sock):
    print("socket opened")
    userdata["sock"] = sock


def on_socket_close(client, userdata, sock):
    print("socket closed")
    userdata["sock"] = None


def on_socket_register_write(client, userdata, sock):
    userdata["write"] = True


def on_socket_unregister_write(client, userdata, sock):
    userdata["write"] = False


def on_connect(client, userdata, flags, reason_code, properties):
    print("connected", reason_code)
    client.subscribe(PREFIX + "/select", 1)


def on_subscribe(client, userdata, mid, reason_code_list, properties):
    print("subscribed", reason_code_list[0])
    client.publish(PREFIX + "/select", b"Hello" * 40000, 1)


def on_message(client, userdata, msg):
    print("message with len", len(msg.payload))
    client.disconnect()


def on_disconnect(client, userdata, flags, reason_code, properties):
    print("disconnected", reason_code)


state = {"sock": None, "write": False}
mqttc = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, userdata=state)
mqttc.on_socket_open = on_socket_open
mqttc.on_socket_close = on_socket_close
mqttc.on_socket_register_write = on_socket_register_write
mqttc.on_socket_unregister_write = on_socket_unregister_write
mqttc.on_connect = on_connect
mqttc.on_subscribe = on_subscribe
mqttc.on_message = on_message
mqttc.on_disconnect = on_disconnect
mqttc.connect(HOST, PORT, 60)

while state["sock"] is not None:
    sock = state["sock"]
    r, w, e = select.select([sock], [sock] if state["write"] else [], [], 1)
    if sock in r:
        mqttc.loop_read()
    if sock in w:
        mqttc.loop_write()
    mqttc.loop_misc()
print("done")
