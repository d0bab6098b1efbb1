// Loaded with import(), so only runs that reach the gateway over HTTP pay for it; and only the
// parts the doctor uses, not undici's index, which also loads fetch, WebSocket, the caches and
// the mocks (and with them Node's own copy of undici): 40 to 70 ms of the main thread, at the
// moment the first requests and the tls probe are under way.

import api from 'undici/lib/api/index.js';
import buildConnector from 'undici/lib/core/connect.js';
import Agent from 'undici/lib/dispatcher/agent.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import ProxyAgent from 'undici/lib/dispatcher/proxy-agent.js';

// What undici's index does for every dispatcher: request() and its kin.
Object.assign(Dispatcher.prototype, api);

export { Agent, buildConnector, ProxyAgent };
