# MQTT 5 request/response: a math server answers requests on the request's ResponseTopic with
# its CorrelationData; the client sends two requests and matches the replies.
import json
import sys
import time
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

replies = {}
ready = []


def on_server_connect(client, userdata, flags, reason_code, properties):
    print("server connected", reason_code, properties)
    client.subscribe(PREFIX + "/requests/math/#", 1)


def on_server_message(client, userdata, msg):
    func = msg.topic.split("/")[-1]
    args = json.loads(msg.payload)
    print("server got", func, args, msg.properties.CorrelationData, msg.properties.ResponseTopic == reply_to)
    if func == "add":
        result = sum(args)
    else:
        result = 1
        for n in args:
            result = result * n
    props = mqtt.Properties(PacketTypes.PUBLISH)
    props.CorrelationData = msg.properties.CorrelationData
    client.publish(msg.properties.ResponseTopic, json.dumps(result), 1, properties=props)


def on_client_connect(client, userdata, flags, reason_code, properties):
    print("client connected", reason_code)
    client.subscribe(reply_to, 1)


def on_subscribe(client, userdata, mid, reason_code_list, properties):
    print("subscribed", reason_code_list[0])
    ready.append(mid)


def on_client_message(client, userdata, msg):
    print("reply", msg.topic == reply_to, msg.payload, msg.properties)
    replies[msg.properties.CorrelationData.decode()] = json.loads(msg.payload)


reply_to = PREFIX + "/replies/math/client"

server = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=PREFIX + "-server", protocol=mqtt.MQTTv5)
server.on_connect = on_server_connect
server.on_message = on_server_message
server.on_subscribe = on_subscribe
server.connect(HOST, PORT, 60, clean_start=True)
server.loop_start()
while len(ready) < 1:
    time.sleep(0.05)

client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=PREFIX + "-client", protocol=mqtt.MQTTv5)
client.on_connect = on_client_connect
client.on_message = on_client_message
client.on_subscribe = on_subscribe
client.connect(HOST, PORT, 60, clean_start=True)
client.loop_start()

while len(ready) < 2:
    time.sleep(0.05)

for corr_id, func, args in [("1", "add", [1, 2, 3]), ("2", "mult", [2, 3, 4])]:
    props = mqtt.Properties(PacketTypes.PUBLISH)
    props.CorrelationData = corr_id.encode()
    props.ResponseTopic = reply_to
    client.publish(PREFIX + "/requests/math/" + func, json.dumps(args), 1, properties=props)
    while corr_id not in replies:
        time.sleep(0.05)
    print("Response:", replies[corr_id])

client.disconnect()
client.loop_stop()
server.disconnect()
server.loop_stop()
