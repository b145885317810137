# Subscribes, prints what arrives (topic, qos, retain, payload), disconnects after three messages.
# Each message is published from the callback of the one before, so the order is fixed.
import sys
import paho.mqtt.client as mqtt

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

received = []


def on_connect(client, userdata, flags, reason_code, properties):
    print("on_connect", reason_code, flags.session_present)
    client.subscribe(PREFIX + "/#", 2)


def on_subscribe(client, userdata, mid, reason_code_list, properties):
    print("on_subscribe", mid, reason_code_list[0], properties)
    client.publish(PREFIX + "/a", "first", 0)


def on_message(client, userdata, msg):
    print("on_message", msg.topic, msg.qos, msg.retain, msg.payload, msg.mid)
    received.append(len(msg.payload))
    if len(received) == 1:
        client.publish(PREFIX + "/b", b"second\x00\xff", 1)
    elif len(received) == 2:
        client.publish(PREFIX + "/c", "", 2)
    else:
        client.disconnect()


def on_disconnect(client, userdata, flags, reason_code, properties):
    print("on_disconnect", reason_code, flags.is_disconnect_packet_from_server)


mqttc = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=PREFIX + "-sub")
mqttc.on_connect = on_connect
mqttc.on_subscribe = on_subscribe
mqttc.on_message = on_message
mqttc.on_disconnect = on_disconnect
print("connect", mqttc.connect(HOST, PORT, 60))
print("loop_forever", mqttc.loop_forever())
print("received", received)
