// The end-to-end suite (`npm run test:e2e`): the real bin and the packaged bundles against moto's
// server. Needs Python with moto (`pip install "moto[server]"`); `npm test` does not.
const base = require('./jest.config.cjs');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['**/tests/e2e/**/*.e2e.ts'],
  globalSetup: '<rootDir>/tests/e2e/support/global-setup.ts',
  testTimeout: 180_000,
  // Each file starts its own moto; two at a time on a 2-core machine.
  maxWorkers: 2,
};
