# Publishes from the main thread with the network loop in the background, waiting for each
# message to be acknowledged (wait_for_publish), and reports on_publish.
import sys
import threading
import paho.mqtt.client as mqtt

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

published = []
# Set once on_connect has printed: its line comes from the loop thread, and waiting on
# is_connected() alone would let the main thread's next print interleave with it.
connected = threading.Event()


def on_publish(client, userdata, mid, reason_code, properties):
    published.append(mid)


def on_connect(client, userdata, flags, reason_code, properties):
    print("connected", reason_code)
    connected.set()


mqttc = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=PREFIX + "-pub")
mqttc.on_publish = on_publish
mqttc.on_connect = on_connect
mqttc.connect(HOST, PORT, 60)
mqttc.loop_start()

connected.wait()

for qos in [0, 1, 2]:
    msg_info = mqttc.publish(PREFIX + "/wait", "qos " + str(qos), qos)
    print("publish", msg_info.rc, msg_info.mid)
    msg_info.wait_for_publish()
    print("is_published", msg_info.is_published())

print("on_publish mids", published)
infos = [mqttc.publish(PREFIX + "/burst", i, 1) for i in range(5)]
for info in infos:
    info.wait_for_publish(5)
print("burst published", [info.is_published() for info in infos], [info.mid for info in infos])

mqttc.disconnect()
mqttc.loop_stop()
print("connected after stop", mqttc.is_connected())
