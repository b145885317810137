# paho 1.6 style (callback API version 1): subscribe, print what arrives, disconnect.
import sys
import paho.mqtt.client as mqtt

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]


def on_connect(client, userdata, flags, rc):
    print("Connected with result code " + str(rc), flags["session present"], mqtt.connack_string(rc))
    client.subscribe([(PREFIX + "/a/#", 0), (PREFIX + "/b", 2)])


def on_subscribe(client, userdata, mid, granted_qos):
    print("Subscribed: " + str(mid) + " " + str(granted_qos[0]) + " " + str(granted_qos[1]))
    client.publish(PREFIX + "/a/1", "one", 1)


def on_message(client, userdata, msg):
    print(msg.topic + " " + str(msg.qos) + " " + str(msg.payload) + " " + str(msg.retain))
    userdata.append(msg.topic)
    if len(userdata) == 1:
        client.publish(PREFIX + "/b", "two", 2)
    elif len(userdata) == 2:
        rc, mid = client.unsubscribe(PREFIX + "/b")
        print("unsubscribe", rc, mid)


def on_unsubscribe(client, userdata, mid):
    print("Unsubscribed: " + str(mid))
    client.disconnect()


def on_disconnect(client, userdata, rc):
    print("Disconnected: " + str(rc), mqtt.error_string(rc))


mqttc = mqtt.Client(client_id=PREFIX + "-v1", userdata=[])
mqttc.on_connect = on_connect
mqttc.on_subscribe = on_subscribe
mqttc.on_message = on_message
mqttc.on_unsubscribe = on_unsubscribe
mqttc.on_disconnect = on_disconnect
mqttc.connect(HOST, PORT, 60)
mqttc.loop_forever()
print("done")
