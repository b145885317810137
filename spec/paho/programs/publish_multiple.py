# One-shot publishing of several messages with publish.multiple (dicts and tuples mixed),
# read back with subscribe.simple(msg_count=3), then cleared the same way.
import sys
import paho.mqtt.publish as publish
import paho.mqtt.subscribe as subscribe

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

msgs = [
    {"topic": PREFIX + "/multi/1", "payload": "one", "retain": True},
    (PREFIX + "/multi/2", "two", 1, True),
    {"topic": PREFIX + "/multi/3", "payload": "three", "qos": 2, "retain": True},
]
publish.multiple(msgs, hostname=HOST, port=PORT, client_id=PREFIX + "-multi", keepalive=30)

got = subscribe.simple(PREFIX + "/multi/#", qos=2, msg_count=3, retained=True, hostname=HOST, port=PORT)
for m in got:
    print(m.topic, m.payload, m.qos, m.retain)

publish.multiple([(m.topic, None, 0, True) for m in got], hostname=HOST, port=PORT)
print("cleared", len(got))
