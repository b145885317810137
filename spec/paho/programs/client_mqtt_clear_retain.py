# Finds retained messages under a filter and clears each by publishing an empty retained
# message to its topic.
import sys
import paho.mqtt.client as mqtt
import paho.mqtt.publish as publish

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

publish.multiple([
    {"topic": PREFIX + "/room/1", "payload": "21.5", "retain": True},
    {"topic": PREFIX + "/room/2", "payload": "19.0", "retain": True, "qos": 1},
    (PREFIX + "/room/3", "off", 2, True),
], hostname=HOST, port=PORT)
print("retained three")

cleared = []
echoes = []


def on_connect(client, userdata, flags, reason_code, properties):
    client.subscribe(PREFIX + "/room/#", 1)


def on_message(client, userdata, msg):
    if msg.retain:
        print("Clearing topic", msg.topic, msg.payload)
        cleared.append(msg.topic)
        client.publish(msg.topic, None, 1, True)
    else:
        echoes.append(msg.topic)
        if len(echoes) == 3:
            client.disconnect()


mqttc = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
mqttc.on_connect = on_connect
mqttc.on_message = on_message
mqttc.connect(HOST, PORT)
mqttc.loop_forever()
print("cleared", len(cleared), "echoes", len(echoes))


def on_connect_check(client, userdata, flags, reason_code, properties):
    client.subscribe([(PREFIX + "/room/#", 1), (PREFIX + "/done", 0)])


def on_subscribe_check(client, userdata, mid, reason_code_list, properties):
    client.publish(PREFIX + "/done", "x")


def on_message_check(client, userdata, msg):
    print("after clearing", msg.topic, msg.retain)
    client.disconnect()


check = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
check.on_connect = on_connect_check
check.on_subscribe = on_subscribe_check
check.on_message = on_message_check
check.message_callback_add(PREFIX + "/done", on_message_check)
check.connect(HOST, PORT)
check.loop_forever()
