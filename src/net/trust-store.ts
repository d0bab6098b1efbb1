import tls, { rootCertificates } from 'node:tls';

export interface TrustStore {
  /** The context trusting Node's bundled roots and extraCa (PEM, or ''): one per value, made once. */
  (extraCa: string): tls.SecureContext;
  /**
   * Parses the bundled roots ahead of the first request (30 ms of the main thread on a loaded
   * machine), while nothing is timed, rather than when the first requests and probes are under way.
   */
  prepare(): void;
}

/**
 * One store for all the doctor's requests: given as `ca`, each connection would parse the 150
 * certificates again into a store of its own (time and, with parallel requests, memory).
 * An explicit ca replaces Node's whole store, so the bundled roots go in by hand.
 */
export function createTrustStore(): TrustStore {
  const contexts = new Map<string, tls.SecureContext>();
  let prepared: tls.SecureContext | null = null;
  const rootsOnly = () => tls.createSecureContext({ ca: [...rootCertificates] });
  const store = (extraCa: string) => {
    let context = contexts.get(extraCa);
    if (!context) {
      context = prepared ?? rootsOnly();
      prepared = null;
      // The internal CA on top of the roots already parsed (every certificate of the PEM).
      if (extraCa) context.context.addCACert(extraCa);
      contexts.set(extraCa, context);
    }
    return context;
  };
  store.prepare = () => {
    if (contexts.size === 0) prepared ??= rootsOnly();
  };
  return store;
}
