import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayBehaviour } from '../../src/sim/gateway.ts';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { outcomeOf, parseReport, runCli, stage } from '../helpers/cli.ts';

const TIMEOUT = 2000;
// Generous: it catches hangs, it does not measure speed (npm run bench does that).
const BOUND_MS = 2 * TIMEOUT + 1000 + 4000;
const healthy = scenarioByName('healthy')!;

interface Row {
  fault: string;
  behaviour: Partial<GatewayBehaviour>;
  check: string;
  code: string;
  exit?: number;
}

const html = (status: number) => ({
  kind: 'status' as const,
  status,
  contentType: 'text/html',
  body: '<html><head><title>Error</title></head><body>oops</body></html>',
});

const MATRIX: Row[] = [
  {
    fault: 'reset during the TLS handshake',
    behaviour: { transport: 'tls-reset' },
    check: 'tls',
    code: 'TLS_RESET',
  },
  {
    fault: 'reset before the headers',
    behaviour: { faults: { quota: { kind: 'reset-before-headers' } } },
    check: 'token',
    code: 'GATEWAY_RESET',
  },
  {
    fault: 'reset after the headers',
    behaviour: { faults: { quota: { kind: 'reset-after-headers' } } },
    check: 'token',
    code: 'GATEWAY_RESET',
  },
  {
    fault: 'stall before the headers',
    behaviour: { faults: { quota: { kind: 'stall-headers' } } },
    check: 'token',
    code: 'GATEWAY_TIMEOUT',
  },
  {
    fault: 'stall in the middle of the body',
    behaviour: { faults: { models: { kind: 'stall-body' } } },
    check: 'models',
    code: 'GATEWAY_TIMEOUT',
  },
  {
    fault: 'truncated JSON',
    behaviour: { faults: { quota: { kind: 'truncated-json' } } },
    check: 'token',
    code: 'GATEWAY_UNEXPECTED_RESPONSE',
  },
  {
    fault: 'a body far larger than any answer',
    behaviour: { faults: { models: { kind: 'huge-body', bytes: 12 * 1024 * 1024 } } },
    check: 'models',
    code: 'GATEWAY_TOO_LARGE',
  },
  {
    fault: '200 with HTML',
    behaviour: { faults: { quota: html(200) } },
    check: 'token',
    code: 'GATEWAY_UNEXPECTED_RESPONSE',
  },
  {
    fault: '5xx with HTML',
    behaviour: { faults: { quota: html(503) } },
    check: 'token',
    code: 'GATEWAY_ERROR',
  },
  {
    fault: '429 with Retry-After',
    behaviour: {
      faults: {
        'raw-chat': {
          kind: 'status',
          status: 429,
          body: '{"error":"Quota exceeded"}',
          headers: { 'retry-after': '120' },
        },
      },
    },
    check: 'round-trip',
    code: 'QUOTA_EXHAUSTED',
  },
  {
    fault: '429 without Retry-After',
    behaviour: { faults: { 'raw-chat': { kind: 'status', status: 429, body: '' } } },
    check: 'round-trip',
    code: 'GATEWAY_OVERLOADED',
  },
  {
    fault: 'a slow drip of bytes',
    behaviour: { faults: { quota: { kind: 'drip' } } },
    check: 'token',
    code: 'GATEWAY_TIMEOUT',
  },
  {
    fault: 'a wrong content type',
    behaviour: {
      faults: {
        quota: {
          kind: 'status',
          status: 200,
          body: '{"quotas":[{"model_family":"gpt-5","limit":10,"spent":1}]}',
          contentType: 'text/plain',
        },
      },
    },
    check: 'token',
    code: 'GATEWAY_CONTENT_TYPE',
    exit: 0,
  },
  {
    fault: 'invalid UTF-8',
    behaviour: {
      faults: {
        quota: {
          kind: 'status',
          status: 200,
          body: Buffer.concat([Buffer.from('{"quotas": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
        },
      },
    },
    check: 'token',
    code: 'GATEWAY_UNEXPECTED_RESPONSE',
  },
  {
    fault: 'a certificate that changes between two connections',
    behaviour: { certLater: 'intercepted' },
    check: 'token',
    code: 'GATEWAY_TLS_REJECTED',
  },
];

describe('fault matrix: bounded, a specific code on the right check, no stack trace', {
  concurrency: 2,
}, () => {
  for (const row of MATRIX) {
    it(`${row.fault}: ${row.check} ${row.code}`, async () => {
      const staged = await stage(healthy, row.behaviour);
      try {
        const result = await runCli(['--json', '--timeout', String(TIMEOUT), ...staged.invocation.args], {
          env: staged.invocation.env,
          home: staged.home,
        });
        const report = parseReport(result.stdout);
        const check = report.checks.find((c) => c.id === row.check)!;
        assert.equal(outcomeOf(check), row.code, check.summary);
        assert.equal(result.code, row.exit ?? 1);
        assert.ok(result.ms < BOUND_MS, `took ${result.ms} ms`);
        assert.doesNotMatch(result.stderr + result.stdout, /\n\s+at .+:\d+:\d+/, 'no stack trace');
        assert.ok(!report.checks.some((c) => c.code === 'CHECK_CRASHED'));
      } finally {
        await staged.close();
      }
    });
  }
});
