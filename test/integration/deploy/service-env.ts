import { compileConfig, type ServiceConfig } from '../../../src/config.js';

/**
 * Variables that deploy files may set although src/config.ts does not read them (yet), with the reason.
 * Anything else a manifest sets must be a variable the service reads, so a typo cannot pass silently.
 */
export const RESERVED_VARIABLES: Readonly<Record<string, string>> = {
  NODE_ENV: 'read by Node libraries, not by gradnoise',
};

/** The environment variables `compileConfig` reads (recorded by running it on a spying environment). */
export function variablesTheServiceReads(): Set<string> {
  const read = new Set<string>();
  const spy = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get(_target, key) {
        if (typeof key === 'string') read.add(key);
        return undefined;
      },
    },
  );
  compileConfig(spy, { hostname: 'h', pid: 1 });
  return read;
}

/**
 * Compiles `env` exactly as the service would at start (throws the service's own validation error on a
 * bad value) and lists the keys it does not know.
 */
export function checkServiceEnv(env: Readonly<Record<string, string>>): {
  config: ServiceConfig;
  unknown: string[];
} {
  const known = variablesTheServiceReads();
  const config = compileConfig(env, { hostname: 'h', pid: 1 });
  const unknown = Object.keys(env).filter((k) => !known.has(k) && !(k in RESERVED_VARIABLES));
  return { config, unknown };
}
