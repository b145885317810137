# MQTT 5: paho's debug log through a standard logger: every packet sent and received (QoS 0, 1 and 2 out,
# QoS 0 and 1 in, SUBSCRIBE, UNSUBSCRIBE, DISCONNECT). Only one exchange is in flight at a time
# (each step starts from the callback that ends the one before; a silent helper client sends the
# incoming messages), so the log's order is fixed.
import logging
import sys
import paho.mqtt.client as mqtt

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

logging.basicConfig(stream=sys.stdout, format="%(message)s", level=logging.DEBUG)
logger = logging.getLogger(__name__)

outgoing = [("zero", 0, False), ("one", 1, True), (None, 2, True), ("two", 2, False)]
incoming = [("in zero", 0), ("in one", 1), ("", 1)]

helper = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=PREFIX + "-helper")
helper.connect(HOST, PORT, 60)
helper.loop_start()


def on_connect(client, userdata, flags, reason_code, properties):
    payload, qos, retain = outgoing.pop(0)
    client.publish(PREFIX + "/out", payload, qos, retain)


def on_publish(client, userdata, mid, reason_code, properties):
    if outgoing:
        payload, qos, retain = outgoing.pop(0)
        client.publish(PREFIX + "/out", payload, qos, retain)
    else:
        client.subscribe([(PREFIX + "/in/a", 0), (PREFIX + "/in/b", 1)])


def on_subscribe(client, userdata, mid, reason_code_list, properties):
    payload, qos = incoming.pop(0)
    helper.publish(PREFIX + "/in/b", payload, qos)


def on_message(client, userdata, msg):
    if incoming:
        payload, qos = incoming.pop(0)
        helper.publish(PREFIX + "/in/b", payload, qos)
    else:
        client.unsubscribe([PREFIX + "/in/a", PREFIX + "/in/b"])


def on_unsubscribe(client, userdata, mid, reason_code_list, properties):
    client.disconnect()


mqttc = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=PREFIX + "-logger", protocol=mqtt.MQTTv5)
mqttc.enable_logger(logger)
mqttc.username_pw_set("user")
mqttc.will_set(PREFIX + "/will", "x", 2, True)
mqttc.on_connect = on_connect
mqttc.on_publish = on_publish
mqttc.on_subscribe = on_subscribe
mqttc.on_message = on_message
mqttc.on_unsubscribe = on_unsubscribe
mqttc.connect(HOST, PORT, 45)
mqttc.loop_forever()

helper.publish(PREFIX + "/out", None, 0, True)
helper.disconnect()
helper.loop_stop()
