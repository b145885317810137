/** Arguments of the MQTTClient samples: `[broker URI] [--count N]` (default mqtt://localhost:1883/). */
export interface AioSampleArgs {
  uri: string;
  count: number;
}

export function aioSampleArgs(defaults: Partial<AioSampleArgs> = {}): AioSampleArgs {
  const argv = process.argv.slice(2);
  const out: AioSampleArgs = { uri: 'mqtt://localhost:1883/', count: 10, ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--count' && i + 1 < argv.length && /^\d+$/.test(argv[i + 1])) out.count = Number(argv[++i]);
    else if (/^(mqtts?|wss?):\/\//.test(a)) out.uri = a;
    else {
      console.error(`usage: ${process.argv[1]} [mqtt://host:port/ | mqtts:// | ws:// | wss://] [--count N]`);
      process.exit(2);
    }
  }
  return out;
}
