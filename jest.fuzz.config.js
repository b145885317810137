/** `npm run fuzz`: the fuzzing properties with many more runs (spec/fuzz-long/). */
const base = require('./jest.config.js');
/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/spec/fuzz-long/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 1800000,
  maxWorkers: 1,
};
