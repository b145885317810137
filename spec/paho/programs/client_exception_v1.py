# A callback that raises: paho logs "Caught exception in <callback>: <message>" at MQTT_LOG_ERR
# and, with suppress_exceptions, the loop goes on.
import sys
import paho.mqtt.client as mqtt

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]


def on_log(client, userdata, level, buf):
    if level != mqtt.MQTT_LOG_DEBUG:
        print(level, buf)


def on_connect(client, userdata, flags, rc):
    client.subscribe(PREFIX + "/boom", 1)
    raise ValueError("on_connect failed on purpose")


def on_subscribe(client, userdata, mid, granted_qos):
    client.publish(PREFIX + "/boom", "x", 1)


def on_message(client, userdata, msg):
    client.disconnect()
    raise RuntimeError("on_message failed too")


mqttc = mqtt.Client(client_id=PREFIX + "-exc")
mqttc.suppress_exceptions = True
mqttc.on_log = on_log
mqttc.on_connect = on_connect
mqttc.on_subscribe = on_subscribe
mqttc.on_message = on_message
mqttc.connect(HOST, PORT, 60)
mqttc.loop_forever()
print("loop ended")
