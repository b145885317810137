# One client, three handlers: message_callback_add for two filters, on_message for the rest.
import sys
import paho.mqtt.client as mqtt

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

count = 0


def on_message_dogs(client, userdata, msg):
    print("DOGS", msg.topic, msg.payload.decode())
    done(client)


def on_message_cats(client, userdata, msg):
    print("CATS", msg.topic, msg.payload.decode())
    done(client)


def on_message(client, userdata, msg):
    print("OTHER", msg.topic, msg.payload.decode())
    done(client)


def done(client):
    global count
    count += 1
    if count == 4:
        client.message_callback_remove(PREFIX + "/cats/#")
        client.publish(PREFIX + "/cats/after", "removed", 1)
    elif count == 5:
        client.disconnect()


def on_connect(client, userdata, flags, reason_code, properties):
    client.subscribe(PREFIX + "/#", 1)


def on_subscribe(client, userdata, mid, reason_code_list, properties):
    print("subscribed", [str(rc) for rc in reason_code_list])
    for topic in ["dogs/rex", "cats/tom", "birds/tweety", "dogs/cats/both"]:
        client.publish(PREFIX + "/" + topic, topic.upper(), 1)


mqttc = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
mqttc.message_callback_add(PREFIX + "/dogs/#", on_message_dogs)
mqttc.message_callback_add(PREFIX + "/cats/#", on_message_cats)
mqttc.on_message = on_message
mqttc.on_connect = on_connect
mqttc.on_subscribe = on_subscribe
mqttc.connect(HOST, PORT, 60)
mqttc.loop_forever()
print("count", count)
