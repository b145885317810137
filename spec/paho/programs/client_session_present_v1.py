# paho 1.6 style persistent session: flags["session present"] on each connect.
import sys
import paho.mqtt.client as mqtt

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]


def on_connect(client, userdata, flags, rc):
    print("connect", userdata["n"], "rc", rc, "session present", flags["session present"])
    if userdata["n"] == 1:
        client.subscribe(PREFIX + "/keep", 1)
    else:
        client.disconnect()


def on_subscribe(client, userdata, mid, granted_qos):
    client.disconnect()


def on_disconnect(client, userdata, rc):
    print("disconnect", userdata["n"], "rc", rc)


userdata = {"n": 1}
mqttc = mqtt.Client(client_id=PREFIX + "-keep", clean_session=False, userdata=userdata)
mqttc.on_connect = on_connect
mqttc.on_subscribe = on_subscribe
mqttc.on_disconnect = on_disconnect
mqttc.connect(HOST, PORT, 60)
mqttc.loop_forever()
userdata["n"] = 2
mqttc.reconnect()
mqttc.loop_forever()

cleaner = mqtt.Client(client_id=PREFIX + "-keep", clean_session=True)
cleaner.on_connect = lambda client, userdata, flags, rc: client.disconnect()
cleaner.connect(HOST, PORT, 60)
cleaner.loop_forever()
print("done")
