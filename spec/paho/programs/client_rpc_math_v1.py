# paho 1.6 style MQTT 5 (callback API version 1 with properties): one client answers its own
# request through ResponseTopic and CorrelationData.
import json
import sys
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]
REQUESTS = PREFIX + "/requests/math/add"
REPLIES = PREFIX + "/replies/math"


def on_connect(client, userdata, flags, rc, properties):
    print("connected", rc, rc.value, flags["session present"], properties)
    client.subscribe([(REQUESTS, 1), (REPLIES, 1)])


def on_subscribe(client, userdata, mid, granted_qos, properties):
    print("subscribed", mid, [str(q) for q in granted_qos], [q.value for q in granted_qos])
    props = mqtt.Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = REPLIES
    props.CorrelationData = b"req-1"
    client.publish(REQUESTS, json.dumps([2, 3, 5]), 1, False, props)


def on_message(client, userdata, msg):
    print("message", msg.topic == REQUESTS, json.loads(msg.payload), msg.properties)
    if msg.topic == REQUESTS:
        props = mqtt.Properties(PacketTypes.PUBLISH)
        props.CorrelationData = msg.properties.CorrelationData
        client.publish(msg.properties.ResponseTopic, json.dumps(sum(json.loads(msg.payload))), 1, properties=props)
    else:
        print("Response:", json.loads(msg.payload), msg.properties.CorrelationData)
        client.disconnect()


def on_disconnect(client, userdata, rc, properties=None):
    print("disconnected", rc)


mqttc = mqtt.Client(client_id=PREFIX + "-rpc-v1", protocol=mqtt.MQTTv5)
mqttc.on_connect = on_connect
mqttc.on_subscribe = on_subscribe
mqttc.on_message = on_message
mqttc.on_disconnect = on_disconnect
mqttc.connect(HOST, PORT, 60, clean_start=True)
mqttc.loop_forever()
