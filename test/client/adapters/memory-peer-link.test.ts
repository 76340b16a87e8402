import { MemoryPeerLinkFactory } from '../../../client/src/adapters/memory-peer-link.js';
import { peerLinkContract } from './peer-link.contract.js';

peerLinkContract('memory twin', () => new MemoryPeerLinkFactory());
