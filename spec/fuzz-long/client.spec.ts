/** `npm run fuzz`: the Client fuzzing properties of spec/fuzz/clientFuzz.ts with 20,000 runs each. */
import { defineClientFuzz } from '../fuzz/clientFuzz';

describe('Client fuzzing, long (memory transport)', () => {
  defineClientFuzz(20000);
});
