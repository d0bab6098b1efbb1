import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { type SimGateway, startSimGateway } from '../../src/sim/gateway.ts';
import { SIM_HOST } from '../../src/sim/scenarios.ts';
import { pki } from '../helpers/cli.ts';

const TOKEN = 'sim-token-for-routes';

describe('the loopback gateway answers as Eliza documents (eliza-facts.md)', () => {
  const authority = pki();
  let sim: SimGateway;
  before(async () => {
    sim = await startSimGateway({ pki: authority, token: TOKEN });
  });
  after(() => sim.close());

  const post = (path: string, body: unknown) =>
    new Promise<{ type: string; text: string }>((resolve, reject) => {
      const request = https.request(
        {
          host: '127.0.0.1',
          port: sim.port,
          servername: SIM_HOST,
          ca: authority.root.pem,
          method: 'POST',
          path,
          headers: { authorization: `OAuth ${TOKEN}`, 'content-type': 'application/json' },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () => resolve({ type: String(response.headers['content-type']), text }));
        },
      );
      request.on('error', reject);
      request.end(JSON.stringify(body));
    });
  const streamed = { model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }], stream: true };

  it('the raw route streams a streamed request', async () => {
    const answer = await post('/raw/openai/v1/chat/completions', streamed);
    assert.match(answer.type, /^text\/event-stream/);
    assert.match(answer.text, /^data: /m);
  });

  it('the wrapped route wraps it instead: one JSON object, which a streaming client cannot read', async () => {
    const answer = await post('/openai/v1/chat/completions', streamed);
    assert.match(answer.type, /^application\/json/);
    const wrapper = JSON.parse(answer.text);
    assert.equal(wrapper.response.object, 'chat.completion');
    assert.ok(wrapper.stats);
  });
});
