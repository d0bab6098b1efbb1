// A static re-export, loaded with import(): esbuild then wraps the CommonJS package properly,
// and only runs that reach the gateway over HTTP pay for loading it.
export { Agent, buildConnector, ProxyAgent, request } from 'undici';
