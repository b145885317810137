/** Command-line arguments shared by the samples: `[mqtt://host:port] [--topic T] [--count N] [--qos Q]`. */
export interface SampleArgs {
  host: string;
  port: number;
  topic: string;
  count: number;
  qos: 0 | 1 | 2;
}

export function sampleArgs(defaults: Partial<SampleArgs> = {}): SampleArgs {
  const argv = process.argv.slice(2);
  const out: SampleArgs = { host: 'localhost', port: 1883, topic: 'paho/test/topic', count: 10, qos: 1, ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--topic') out.topic = argv[++i];
    else if (a === '--count') out.count = Number(argv[++i]);
    else if (a === '--qos') out.qos = Number(argv[++i]) as 0 | 1 | 2;
    else if (/^mqtts?:\/\//.test(a)) {
      const u = new URL(a);
      out.host = u.hostname;
      out.port = u.port ? Number(u.port) : 1883;
    } else {
      console.error(`usage: ${process.argv[1]} [mqtt://host:port] [--topic T] [--count N] [--qos 0|1|2]`);
      process.exit(2);
    }
  }
  return out;
}
