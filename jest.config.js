/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/live/'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testTimeout: 20000,
};
