/**
 * Received pieces wait in memory only up to this many bytes: a piece counts from the moment its
 * first block is requested until the host has stored it (it answers `pieceVerified` after the
 * write). When IndexedDB falls behind the network, no new piece is started until the store
 * catches up, so a slow disk slows the download instead of filling the heap. At least one piece
 * is always allowed, so pieces larger than the budget still download.
 */
export const RECEIVE_BUFFER_BUDGET = 8 * 1024 * 1024;
