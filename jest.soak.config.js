/** `npm run soak`: the long reliability runs (spec/soak/), one at a time. */
const base = require('./jest.config.js');
/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/spec/soak/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 600000,
  maxWorkers: 1,
};
