/**
 * The usage text of `mqttloop pub` / `mqttloop sub` (--help, and after a command-line mistake).
 */
import type { Command } from './args';

/** The usage of `command` (none: the list of commands). */
export function usage(command?: Command): string {
  const common = [
    ' -h : mqtt host to connect to. Defaults to localhost.',
    ' -p : network port to connect to. Defaults to 1883 for plain MQTT and 8883 for MQTT over TLS',
    '      (80 / 443 with --ws).',
    ' -t : mqtt topic' + (command === 'sub' ? ' to subscribe to. May be repeated.' : ' to publish to.'),
    ' -q : quality of service level to use. Defaults to 0.',
    ' -i : id to use for this client. Defaults to a random id.',
    ' -I : define the client id as id_prefix appended with the process id.',
    ' -u : provide a username.',
    ' -P : provide a password.',
    ' -k : keep alive in seconds for this client. Defaults to 60.',
    ' -c : disable clean session/enable persistent client mode (needs -i).',
    ' -V : MQTT protocol version: mqttv5, mqttv311 or mqttv31. Defaults to mqttv311.',
    ' -L : user, password, host, port and topic as a URL: mqtt(s)://[username[:password]@]host[:port]/topic',
    ' -d : enable debug messages: the packets sent and received, in mosquitto\'s words (on stderr).',
    ' -D : define an MQTT v5 property: -D command name value, e.g. -D publish user-property key value',
    '      (implies -V mqttv5). Commands: connect, publish, subscribe, unsubscribe, disconnect, will.',
    ' -x : session-expiry-interval of the CONNECT (MQTT v5): 0-4294967294 seconds, or -1, 4294967295 or',
    '      \u221e for a session that does not expire. Defaults to -1 with -c, else 0.',
    ' --cafile : path to a file of trusted CA certificates (turns TLS on).',
    ' --capath : path to a directory of trusted CA certificates (turns TLS on).',
    ' --cert : client certificate for authentication, with --key.',
    ' --key : client private key for authentication, with --cert.',
    ' --insecure : do not check that the server certificate hostname matches the remote hostname.',
    ' --ws : connect over WebSockets (ws://, or wss:// with TLS), path /mqtt.',
    ' --will-topic : the topic of the client Will; --will-payload (default: empty), --will-qos and',
    '      --will-retain set its payload, QoS and retain flag.',
    " --quiet : don't print error messages.",
    ' --help : display this message.',
  ];
  const pub = [
    'mqttloop pub: publish a message on a topic and exit.',
    '',
    'Usage: mqttloop pub {[-h host] [-p port] [-u username] [-P password] -t topic | -L URL}',
    '                    {-f file | -l | -n | -m message | -s}',
    '                    [-c] [-k keepalive] [-q qos] [-r] [--repeat N] [--repeat-delay time] [-x session-expiry]',
    '                    [-i id] [-I id_prefix] [-V version] [-D command name value]',
    '                    [--cafile file | --capath dir] [--cert file --key file] [--insecure] [--ws]',
    '                    [-d] [--quiet] [--will-topic topic [--will-payload payload] [--will-qos qos] [--will-retain]]',
    '',
    ' -m : message payload to send.',
    ' -f : send the contents of a file as the message.',
    ' -l : read messages from stdin, sending a separate message for each line (blank lines are skipped).',
    ' -n : send a null (zero length) message.',
    ' -s : read message from stdin, sending the entire input as a message.',
    ' -r : message should be retained.',
    ' --repeat : with -f, -m, -n or -s, publish the message N times.',
    ' --repeat-delay : with --repeat, wait this many seconds (a decimal) between publishes. Defaults to 0.',
    ...common,
  ];
  const sub = [
    'mqttloop sub: subscribe to topics and print the messages received.',
    '',
    'Usage: mqttloop sub {[-h host] [-p port] [-u username] [-P password] -t topic ... | -L URL [-t topic]}',
    '                    [-c] [-k keepalive] [-q qos] [-x session-expiry] [-C msg_count] [-E] [-R] [--retained-only]',
    '                    [-T filter_out] [-U topic ...] [-F format [--pretty]] [-W timeout_secs] [-N] [-v]',
    '                    [-i id] [-I id_prefix] [-V version] [-D command name value]',
    '                    [--cafile file | --capath dir] [--cert file --key file] [--insecure] [--ws]',
    '                    [-d] [--quiet] [--will-topic topic [--will-payload payload] [--will-qos qos] [--will-retain]]',
    '',
    ' -C : disconnect and exit after receiving the msg_count messages.',
    ' -E : exit once all subscriptions have been acknowledged by the broker.',
    ' -F : output format, as mosquitto_sub 2.0: %t topic, %p payload, %x/%X payload in hex, %l length,',
    '      %q QoS, %r retained, %m message id, %j/%J JSON, %I/%U time, %A %C %D %E %F %P %R %S MQTT v5',
    '      properties, @X strftime, \\n \\t \\e ... escapes; flags -/0, width and precision (%-10.5t).',
    ' --pretty : indent the JSON of -F %j / %J.',
    ' -T : topic filter to leave out of the output. May be repeated.',
    ' -U : unsubscribe from this topic filter at start (for persistent sessions). May be repeated.',
    ' --retained-only : only print retained messages; exit at the first message not retained.',
    ' -v : print published messages verbosely: "topic payload".',
    ' -R : do not print stale messages (those with retain set).',
    ' -W : stop and exit (code 27) if no -C count was reached after this many seconds.',
    ' -N : do not add an end of line character when printing the payload.',
    ...common,
  ];
  if (command === 'pub') return pub.join('\n') + '\n';
  if (command === 'sub') return sub.join('\n') + '\n';
  return [
    'mqttloop: MQTT command line client.',
    '',
    'Usage: mqttloop pub [options]   publish a message (see mqttloop pub --help)',
    '       mqttloop sub [options]   subscribe and print messages (see mqttloop sub --help)',
    '',
  ].join('\n');
}
