import { MemoryPieceStore } from '../../../client/src/adapters/memory-piece-store.js';
import { pieceStoreContract } from './piece-store.contract.js';

pieceStoreContract('memory twin', async (opts) => new MemoryPieceStore(opts));
