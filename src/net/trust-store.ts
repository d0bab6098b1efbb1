import tls, { rootCertificates } from 'node:tls';
import { keptFor } from '../host.ts';
import { distinctCertBlocks } from '../pki/cert.ts';

export interface TrustStore {
  /** Exactly these CAs (PEM, every certificate of it): the internal bundle, which the gateway's chain ends at. */
  only(pem: string): tls.SecureContext;
  /** Node's bundled roots and extraCa (PEM, or ''). */
  withRoots(extraCa: string): tls.SecureContext;
}

/**
 * One store for all the doctor's requests, each context made once, when first asked for: given as
 * `ca`, each connection would parse its certificates again into a store of its own (time and, with
 * parallel requests, memory). An explicit ca replaces Node's whole store, so the bundled roots go
 * in by hand, never NODE_EXTRA_CA_CERTS or anything else of the environment's.
 */
export function createTrustStore(): TrustStore {
  const only = new Map<string, tls.SecureContext>();
  const withRoots = new Map<string, tls.SecureContext>();
  return {
    only: (pem) =>
      keptFor(only, pem, () => {
        const certs = distinctCertBlocks(pem);
        // An empty ca would not mean "nothing": Node would load its defaults, NODE_EXTRA_CA_CERTS among them.
        return tls.createSecureContext({ ca: certs ? certs : [] });
      }),
    withRoots: (extraCa) =>
      keptFor(withRoots, extraCa, () => {
        const context = tls.createSecureContext({ ca: [...rootCertificates] });
        // The internal CA on top of the roots just parsed (every certificate of the PEM).
        if (extraCa) context.context.addCACert(extraCa);
        return context;
      }),
  };
}
