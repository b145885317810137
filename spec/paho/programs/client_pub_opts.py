# Publishing with every option: MQTT 5, qos, retain, message properties, a will, credentials
# flags and keepalive; a second client reads the retained message back with its properties.
import sys
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes

HOST = sys.argv[1]
PORT = int(sys.argv[2])
PREFIX = sys.argv[3]
TOPIC = PREFIX + "/opts"

props = mqtt.Properties(PacketTypes.PUBLISH)
props.MessageExpiryInterval = 300
props.ContentType = "text/plain"
props.PayloadFormatIndicator = 1
props.UserProperty = ("origin", "pub_opts")
props.UserProperty = [("n", "1"), ("quote", "it's")]
print("props", props)

pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=PREFIX + "-pub", protocol=mqtt.MQTTv5)
pub.will_set(PREFIX + "/will", "gone", 1, False)
pub.username_pw_set("someone", "secret")
print("connect", pub.connect(HOST, PORT, 30, clean_start=True))
info = pub.publish(TOPIC, "hello with options", 1, True, props)
print("publish", info.rc, info.mid)
pub.loop_start()
info.wait_for_publish()
print("published", info.is_published())


def on_connect(client, userdata, flags, reason_code, properties):
    print("sub connected", reason_code, flags.session_present)
    client.subscribe(TOPIC, options=mqtt.SubscribeOptions(qos=1, noLocal=True, retainHandling=0))


def on_subscribe(client, userdata, mid, reason_code_list, properties):
    print("sub subscribed", mid, [str(rc) for rc in reason_code_list], [rc.value for rc in reason_code_list])


def on_message(client, userdata, msg):
    print("message", msg.topic, msg.payload, msg.qos, msg.retain)
    # The broker counts the expiry down in whole seconds, so its value depends on timing: only its bound is printed.
    print("content type", msg.properties.ContentType, msg.properties.PayloadFormatIndicator)
    print("user properties", [k + "=" + v for k, v in msg.properties.UserProperty])
    print("expiry set", msg.properties.MessageExpiryInterval <= 300)
    client.publish(TOPIC, None, 1, True)
    client.disconnect(mqtt.ReasonCode(PacketTypes.DISCONNECT, "Normal disconnection"))


def on_disconnect(client, userdata, flags, reason_code, properties):
    print("sub disconnected", reason_code)


sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=PREFIX + "-sub", protocol=mqtt.MQTTv5)
sub.on_connect = on_connect
sub.on_subscribe = on_subscribe
sub.on_message = on_message
sub.on_disconnect = on_disconnect
sub.connect(HOST, PORT, 30)
sub.loop_forever()

pub.disconnect()
pub.loop_stop()
print("done")
