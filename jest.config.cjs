// Tests run on the Lambda runtime's major version (nodejs22.x). `npm test` puts node_modules/.bin
// first on PATH, where the node-<platform> package supplies Node 22 on a machine whose system Node
// is older; anything else is a setup error worth stating plainly rather than a test failure later.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 22) {
  throw new Error(`tests must run on Node 22 (the Lambda nodejs22.x runtime), not ${process.version}: run them with "npm test"`);
}

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // swc turns TypeScript, and the ESM-only packages (middy, client-node), into CommonJS for jest.
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: ['/node_modules/(?!(@middy|@kubernetes/client-node)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  clearMocks: true,
};
