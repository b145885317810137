# One-shot publishing with publish.single, read back with subscribe.simple, then cleared.
import sys
import paho.mqtt.publish as publish
import paho.mqtt.subscribe as subscribe

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

publish.single(PREFIX + "/single", "boiling", qos=1, retain=True, hostname=HOST, port=PORT, client_id=PREFIX + "-single")
msg = subscribe.simple(PREFIX + "/single", qos=1, retained=True, hostname=HOST, port=PORT)
print(msg.topic, msg.payload, msg.qos, msg.retain)

publish.single(PREFIX + "/single", None, 0, True, HOST, PORT)
publish.single(PREFIX + "/single", payload=b"\x00\x01", hostname=HOST, port=PORT, auth={"username": "u", "password": "p"})
print("done")
