/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  // The long runs have their own configs: npm run soak (spec/soak), npm run fuzz (spec/fuzz-long).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/spec/soak/', '<rootDir>/spec/fuzz-long/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  testTimeout: 30000,
  // Two cores: keep one for the brokers the integration specs spawn.
  maxWorkers: 2,
};
