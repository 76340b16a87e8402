export * from './keywords.js';
export * from './keyword-record.js';
export * from './keyword-store.js';
export * from './search-results.js';
