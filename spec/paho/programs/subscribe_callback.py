# subscribe.callback: a handler for every message on several filters, with userdata; the
# handler ends the loop by disconnecting its client.
import sys
import paho.mqtt.publish as publish
import paho.mqtt.subscribe as subscribe

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

publish.multiple([
    (PREFIX + "/cb/temp", "20", 1, True),
    (PREFIX + "/cb/humidity", "40", 1, True),
    (PREFIX + "/other/wind", "3", 1, True),
], hostname=HOST, port=PORT)


def on_message_print(client, userdata, message):
    userdata["seen"].append(message.topic)
    print("%s %s" % (message.topic, message.payload.decode()), userdata["name"], len(userdata["seen"]))
    if len(userdata["seen"]) == 3:
        client.disconnect()


subscribe.callback(on_message_print, [PREFIX + "/cb/#", PREFIX + "/other/#"], qos=1, userdata={"name": "cb", "seen": []}, hostname=HOST, port=PORT)
print("callback returned")

publish.multiple([(PREFIX + "/cb/temp", None, 1, True), (PREFIX + "/cb/humidity", None, 1, True), (PREFIX + "/other/wind", None, 1, True)], hostname=HOST, port=PORT)
