import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths and contents of the files {@link makePki} wrote. */
export interface Pki {
  /** The absolute path of a file, e.g. `file('ca.crt')`. */
  file(name: string): string;
  read(name: string): Buffer;
}

/**
 * A throwaway PKI made with openssl in `dir`: a CA (ca.crt, ca.key), a server certificate for
 * 127.0.0.1 and localhost (server.crt, server.key), a client certificate (client.crt, client.key),
 * and another CA that signed neither (other-ca.crt, other-ca.key).
 */
export function makePki(dir: string): Pki {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) =>
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
  key('ca.key');
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=gradnoise test CA',
  );
  key('other-ca.key');
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'other-ca.key',
    '-out',
    'other-ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=another CA',
  );
  const sign = (name: string, subject: string, extensions: string) => {
    key(`${name}.key`);
    openssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };
  sign('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  sign('client', '/CN=gradnoise test client', 'extendedKeyUsage=clientAuth\n');
  const file = (name: string) => join(dir, name);
  const read = (name: string) => readFileSync(file(name));
  return { file, read };
}
