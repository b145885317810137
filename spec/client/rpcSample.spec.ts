/*
 * samples/rpcMathServer.ts and samples/rpcMathClient.ts (ports of paho's MQTT 5
 * request/response example) run as programs against mosquitto.
 */
import { describeWithMosquitto, MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { finished, spawnSample } from '../support/samples';

describeWithMosquitto('samples: MQTT 5 request/response (rpcMath)', () => {
  let broker: MosquittoBroker;
  beforeAll(async () => { broker = await startMosquitto(); });
  afterAll(async () => { await broker.stop(); });

  test('the client gets the server\'s answers: add 1 2 3 = 6, mult 2 3 4 = 24', async () => {
    const url = `mqtt://${broker.host}:${broker.port}`;
    const server = spawnSample('rpcMathServer', [url, '--count', '2']);
    const serverDone = finished(server);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (d) => { out += d; if (out.includes('ready')) resolve(); });
      server.on('close', () => reject(new Error('the server exited before it was ready')));
    });
    const add = await finished(spawnSample('rpcMathClient', [url, 'add', '1', '2', '3']));
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout.trim()).toBe('6');
    const mult = await finished(spawnSample('rpcMathClient', [url, 'mult', '2', '3', '4']));
    expect(mult.stdout.trim()).toBe('24');
    const s = await serverDone;
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
  });
});
