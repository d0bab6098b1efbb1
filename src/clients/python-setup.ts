import path from 'node:path';
import { MERGED_BUNDLE_NAME } from '../fixes/plan.ts';
import { quote } from '../quote.ts';
import type { SetupContext, SetupSnippet } from './setup.ts';

/**
 * Python programs take the SDKs' variables from their environment; the trust variables name the
 * merged bundle `fix` writes, since each of them replaces its library's whole store.
 */
export function pythonSetupText(ctx: SetupContext): string {
  const merged = path.join(path.dirname(ctx.caPath), MERGED_BUNDLE_NAME);
  return [
    '# the openai SDK (and langchain-openai, litellm, aider on it): chat completions, Authorization: Bearer',
    `export OPENAI_BASE_URL=${quote(ctx.baseUrl('openai'))}`,
    'export OPENAI_API_KEY="$ELIZA_TOKEN"',
    '# the anthropic SDK: messages; ANTHROPIC_AUTH_TOKEN goes out as Authorization: Bearer',
    `export ANTHROPIC_BASE_URL=${quote(ctx.baseUrl('anthropic'))}`,
    'export ANTHROPIC_AUTH_TOKEN="$ELIZA_TOKEN"',
    '# trust: requests reads REQUESTS_CA_BUNDLE; httpx, httpx2 (openai 3, anthropic 1), litellm read',
    '# SSL_CERT_FILE. Each REPLACES its store (certifi, the OS store): public roots plus the internal',
    '# CA, the bundle `eliza-doctor fix` writes',
    `export REQUESTS_CA_BUNDLE=${quote(merged)}`,
    `export SSL_CERT_FILE=${quote(merged)}`,
    '',
  ].join('\n');
}

export const PYTHON_SETUP: SetupSnippet = {
  client: 'Python SDKs (openai, anthropic, litellm, langchain-openai) and HTTP libraries',
  file: '~/.bashrc, ~/.zshrc, or the environment your program runs in',
  text: pythonSetupText,
};
