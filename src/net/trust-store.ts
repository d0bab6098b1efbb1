import tls, { rootCertificates } from 'node:tls';

/**
 * One store for all the doctor's requests: given as `ca`, each connection would parse the 150
 * certificates again into a store of its own (time and, with parallel requests, memory).
 * An explicit ca replaces Node's whole store, so the bundled roots go in by hand.
 */
export function createTrustStore(): (extraCa: string) => tls.SecureContext {
  const contexts = new Map<string, tls.SecureContext>();
  return (extraCa) => {
    let context = contexts.get(extraCa);
    if (!context) {
      context = tls.createSecureContext({ ca: [...rootCertificates, ...(extraCa ? [extraCa] : [])] });
      contexts.set(extraCa, context);
    }
    return context;
  };
}
