# paho 1.6 style on_log: every line paho logs, with its level, while a QoS 2 message goes out
# and comes back (so the incoming QoS 2 exchange shows when on_message runs), then DISCONNECT.
import sys
import paho.mqtt.client as mqtt

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]


def on_log(client, userdata, level, buf):
    print(level, buf)


def on_connect(client, userdata, flags, rc):
    print("on_connect", rc)
    client.subscribe(PREFIX + "/q2", 2)


def on_subscribe(client, userdata, mid, granted_qos):
    print("on_subscribe", mid, granted_qos[0])
    client.publish(PREFIX + "/q2", "exactly once", 2)


def on_publish(client, userdata, mid):
    print("on_publish", mid)


def on_message(client, userdata, msg):
    print("on_message", msg.topic, msg.payload, msg.qos, msg.mid)
    client.disconnect()


def on_disconnect(client, userdata, rc):
    print("on_disconnect", rc)


mqttc = mqtt.Client(client_id=PREFIX + "-logger-v1")
mqttc.on_log = on_log
mqttc.on_connect = on_connect
mqttc.on_subscribe = on_subscribe
mqttc.on_publish = on_publish
mqttc.on_message = on_message
mqttc.on_disconnect = on_disconnect
mqttc.connect(HOST, PORT, 60)
mqttc.loop_forever()
