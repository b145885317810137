# subscribe.simple with its defaults: a retained message counts (retained=True is paho's
# default), msg_count=1 returns the message itself.
import sys
import paho.mqtt.publish as publish
import paho.mqtt.subscribe as subscribe

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

publish.single(PREFIX + "/simple/state", "ready", 1, True, HOST, PORT)

msg = subscribe.simple(PREFIX + "/simple/#", hostname=HOST, port=PORT)
print("%s %s %d %s" % (msg.topic, msg.payload, msg.qos, msg.retain))

msgs = subscribe.simple([PREFIX + "/simple/state", PREFIX + "/other"], qos=1, msg_count=1, retained=True, hostname=HOST, port=PORT, client_id=PREFIX + "-simple", keepalive=10)
print(msgs.topic, msgs.payload)

publish.single(PREFIX + "/simple/state", None, 1, True, HOST, PORT)
