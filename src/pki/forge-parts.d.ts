// node-forge is typed as a whole; these are the files src/pki/path.ts takes from it instead.
declare module 'node-forge/lib/asn1.js' {
  import forge from 'node-forge';

  const asn1: typeof forge.asn1;
  export default asn1;
}
declare module 'node-forge/lib/util.js' {
  import forge from 'node-forge';

  const util: typeof forge.util;
  export default util;
}
