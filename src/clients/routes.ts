import type { RouteFamily } from './types.ts';

/** Where each wire API lives on Eliza: the raw passthrough answers as the provider's own API does. */
export const ELIZA_ROUTES: Record<RouteFamily, string> = {
  anthropic: '/raw/anthropic',
  openai: '/raw/openai/v1',
};
/** Eliza's wrapped routes: reachable, but their answers are not what the SDKs parse. */
export const WRAPPED_ROUTES: Record<RouteFamily, string[]> = {
  anthropic: ['/anthropic', '/anthropic/v1'],
  openai: ['/openai', '/openai/v1'],
};
export const ELIZA_HOST = 'api.eliza.yandex.net';
