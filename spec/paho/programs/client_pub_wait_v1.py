# paho 1.6 style: loop_start, publish, wait_for_publish, on_publish(client, userdata, mid),
# then loop_stop; also a publish refused while not connected.
import sys
import time
import paho.mqtt.client as mqtt

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

mids = []


def on_publish(client, userdata, mid):
    mids.append(mid)


mqttc = mqtt.Client(client_id=PREFIX + "-pubwait")
mqttc.on_publish = on_publish
print("not connected yet", mqttc.publish(PREFIX + "/early", "x", 0).rc)
mqttc.connect(HOST, PORT, 60)
mqttc.loop_start()
while not mqttc.is_connected():
    time.sleep(0.05)

infos = []
for i in range(3):
    info = mqttc.publish(PREFIX + "/pw", "message " + str(i), i)
    infos.append(info)
for info in infos:
    info.wait_for_publish()
    print("published", info.mid, info.rc, info.is_published())
print("mids seen by on_publish", sorted(mids))
rc, mid = mqttc.publish(PREFIX + "/pw", "tuple", 1)
print("tuple", rc, mid)
mqttc.disconnect()
mqttc.loop_stop()
print("publish after disconnect", mqttc.publish(PREFIX + "/late", "x", 1).rc)
