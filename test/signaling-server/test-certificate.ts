import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A self-signed certificate made at test time, as files and as PEM text. */
export interface TestCertificate {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
  /** Deletes the files. */
  remove(): void;
}

/**
 * Makes a one-day self-signed certificate for `names` (DNS names and IP addresses) with the
 * machine's openssl, the same command the README gives for a LAN try.
 */
export function makeTestCertificate(names: string[] = ['localhost', '127.0.0.1']): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'tabswarm-cert-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      `/CN=${names[0] ?? 'localhost'}`,
      '-addext',
      `subjectAltName=${san}`,
    ],
    { stdio: 'ignore' },
  );
  return {
    certPath,
    keyPath,
    cert: readFileSync(certPath, 'utf8'),
    key: readFileSync(keyPath, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
