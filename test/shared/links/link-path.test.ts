import { describe, expect, it } from 'vitest';
import { explainIceFailure, hasRelay } from '../../../shared/links/ice-failure.js';
import { countPaths, pathOf, relayUploadCap } from '../../../shared/links/link-path.js';

describe('pathOf', () => {
  it('is relay when either end is a relay candidate, direct only host to host', () => {
    expect(pathOf('host', 'host')).toBe('direct');
    expect(pathOf('srflx', 'host')).toBe('srflx');
    expect(pathOf('host', 'prflx')).toBe('srflx');
    expect(pathOf('srflx', 'srflx')).toBe('srflx');
    expect(pathOf('relay', 'srflx')).toBe('relay');
    expect(pathOf('host', 'relay')).toBe('relay');
  });

  it('counts links by path, skipping unknown ones', () => {
    expect(countPaths(['direct', 'relay', undefined, 'relay'])).toEqual({ direct: 1, srflx: 0, relay: 2 });
  });

  it('caps only relayed uploads, and only when a relay limit is set', () => {
    expect(relayUploadCap('relay', 1000)).toBe(1000);
    expect(relayUploadCap('srflx', 1000)).toBeUndefined();
    expect(relayUploadCap('relay', undefined)).toBeUndefined();
  });
});

describe('explainIceFailure', () => {
  it('blames strict NATs when no relay is configured, the relay when one is', () => {
    const stun = [{ urls: 'stun:stun.example.org' }];
    const turn = [...stun, { urls: ['turn:turn.example.org'], username: 'u', credential: 'c' }];
    expect(hasRelay(stun)).toBe(false);
    expect(hasRelay(turn)).toBe(true);
    expect(explainIceFailure(stun)).toBe(
      'no route: both sides are behind strict NATs and no relay is configured',
    );
    expect(explainIceFailure(turn)).toMatch(/^no route: .*TURN relay/);
  });
});
