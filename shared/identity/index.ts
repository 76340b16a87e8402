export * from './peer-identity.js';
export * from './signatures.js';
export * from './register-proof.js';
export * from './signer.js';
