# A persistent session: connect with clean_session False, subscribe, disconnect; connect again
# and see session_present, and the QoS 1 message queued for us while we were away.
import sys
import paho.mqtt.client as mqtt

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]

state = {"round": 1}


def on_connect(client, userdata, flags, reason_code, properties):
    print("round", userdata["round"], "connected", reason_code, "session_present", flags.session_present)
    if userdata["round"] == 1:
        client.subscribe(PREFIX + "/queued", 1)
    else:
        print("waiting for the queued message")


def on_subscribe(client, userdata, mid, reason_code_list, properties):
    print("subscribed", reason_code_list[0])
    client.disconnect()


def on_message(client, userdata, msg):
    print("message", msg.topic, msg.payload, msg.qos)
    client.disconnect()


def on_disconnect(client, userdata, flags, reason_code, properties):
    print("disconnected", reason_code)


mqttc = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=PREFIX + "-session", clean_session=False, userdata=state)
mqttc.on_connect = on_connect
mqttc.on_subscribe = on_subscribe
mqttc.on_message = on_message
mqttc.on_disconnect = on_disconnect
mqttc.connect(HOST, PORT, 60)
mqttc.loop_forever()

other = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=PREFIX + "-other")
other.connect(HOST, PORT, 60)
other.loop_start()
other.publish(PREFIX + "/queued", "while you were away", 1).wait_for_publish()
other.disconnect()
other.loop_stop()

state["round"] = 2
mqttc.connect(HOST, PORT, 60)
mqttc.loop_forever()

# Leave nothing behind: a clean session ends the stored one.
mqttc = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=PREFIX + "-session", clean_session=True)
mqttc.on_connect = lambda client, userdata, flags, reason_code, properties: client.disconnect()
mqttc.connect(HOST, PORT, 60)
mqttc.loop_forever()
print("done")
