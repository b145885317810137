# MQTT 5: paho's debug log through a standard logger: every packet sent and received, QoS 0, 1 and 2
# both ways, SUBSCRIBE/UNSUBSCRIBE and DISCONNECT. Each step starts from the callback of the
# one before, so the log's order is fixed.
import logging
import sys
import paho.mqtt.client as mqtt

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

logging.basicConfig(stream=sys.stdout, format="%(message)s", level=logging.DEBUG)
logger = logging.getLogger(__name__)

step = {"n": 0}


def on_connect(client, userdata, flags, reason_code, properties):
    client.subscribe([(PREFIX + "/a", 0), (PREFIX + "/b", 1)])


def on_subscribe(client, userdata, mid, reason_code_list, properties):
    client.publish(PREFIX + "/a", "zero", 0)


def on_message(client, userdata, msg):
    step["n"] += 1
    if step["n"] == 1:
        client.publish(PREFIX + "/b", "one", 1, True)
    elif step["n"] == 2:
        client.publish(PREFIX + "/b", None, 2, True)
    elif step["n"] == 3:
        client.publish(PREFIX + "/b", "two", 2)
    else:
        client.unsubscribe([PREFIX + "/a", PREFIX + "/b"])


def on_unsubscribe(client, userdata, mid, reason_code_list, properties):
    client.disconnect()


mqttc = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=PREFIX + "-logger", protocol=mqtt.MQTTv5)
mqttc.enable_logger(logger)
mqttc.username_pw_set("user")
mqttc.will_set(PREFIX + "/will", "x", 2, True)
mqttc.on_connect = on_connect
mqttc.on_subscribe = on_subscribe
mqttc.on_message = on_message
mqttc.on_unsubscribe = on_unsubscribe
mqttc.connect(HOST, PORT, 45)
mqttc.loop_forever()
