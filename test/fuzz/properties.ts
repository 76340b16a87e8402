import { coreProperties } from './decoders-core.js';
import { dhtDecoderProperties } from './decoders-dht.js';
import { signalingProperties } from './decoders-signaling.js';
import { webtorrentProperties } from './decoders-webtorrent.js';
import { wireProperties } from './decoders-wire.js';
import { dhtMachineProperties } from './dht-machine.js';
import { swarmMachineProperties } from './swarm-machine.js';
import type { FuzzProperty } from './registry.js';

/** Every property of the suite, in the order the runner prints them. */
export const properties: FuzzProperty[] = [
  ...coreProperties,
  ...wireProperties,
  ...dhtDecoderProperties,
  ...signalingProperties,
  ...webtorrentProperties,
  ...dhtMachineProperties,
  ...swarmMachineProperties,
];
