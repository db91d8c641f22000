import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordJsonSchemas as jsonSchemas } from '../src/json-schema.js';
import { ConsentRecord, DataRequest, PrivacyRecord, Receipt, ReceiptPayload } from '../src/schemas.js';
import { consentSample, requestSample } from './samples.js';

// ajv is a dev dependency the lead adds; until then this test is skipped, not failed.
let Ajv2020: (new (options: object) => { compile(schema: object): (data: unknown) => boolean }) | undefined;
try {
  const specifier = 'ajv/dist/2020.js';
  Ajv2020 = ((await import(specifier)) as { default: typeof Ajv2020 }).default;
} catch {
  Ajv2020 = undefined;
}

const consent = { ...consentSample(), signer: { persistent: true } };
const request = { ...requestSample(), signer: { persistent: true } };
const { details: _, ...erasure } = { ...request, requestType: 'erasure' };
const receipt = {
  recordId: consent.id,
  status: 'stored',
  receivedAt: '2026-11-25T10:00:00.000Z',
  receipt: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln',
};

// [sample, valid?]: each schema must agree with zod AND with the expectation.
const RECORD_SAMPLES: [string, unknown, boolean][] = [
  ['consent', consent, true],
  ['rectification', request, true],
  ['erasure without details', erasure, true],
  ['rectification without details', { ...erasure, requestType: 'rectification' }, false],
  ['rectification with blank details', { ...request, details: ' \n ' }, false],
  ['details with a bell character', { ...request, details: 'x\u0007' }, false],
  ['details of 4001 characters', { ...request, details: 'x'.repeat(4001) }, false],
  ['custom purpose slug', { ...consent, decisions: [{ ...consent.decisions[0], purpose: 'webinar-recordings' }] }, true],
  ['purpose with capitals', { ...consent, decisions: [{ ...consent.decisions[0], purpose: 'Newsletter' }] }, false],
  ['decision on contract', { ...consent, decisions: [{ ...consent.decisions[0], basis: 'contract' }] }, false],
  ['basis and basisDpv disagree', { ...consent, processing: [{ ...consent.processing[0], basisDpv: 'dpv:Contract' }] }, false],
  ['contract processing', { ...consent, processing: [{ ...consent.processing[0], basis: 'contract', basisDpv: 'dpv:Contract' }] }, true],
  ['unknown field', { ...consent, extra: 1 }, false],
  ['missing signer', { ...consent, signer: undefined }, false],
  ['bad e-mail', { ...consent, subject: { email: 'maija@' } }, false],
  ['+ address', { ...consent, subject: { email: 'maija+x@example.fi' } }, true],
  ['name with Ä, apostrophe and hyphen', { ...request, subject: { ...request.subject, name: "Äijä O'Neil-Öhman" } }, true],
  ['blank name', { ...request, subject: { ...request.subject, name: '   ' } }, false],
  ['name with a newline', { ...request, subject: { ...request.subject, name: 'A\nB' } }, false],
  ['international phone', { ...request, subject: { ...request.subject, phone: '+1 (555) 010-0000' } }, true],
  ['phone with 5 digits', { ...request, subject: { ...request.subject, phone: '12-345' } }, false],
  ['uppercase id', { ...consent, id: consent.id.toUpperCase() }, false],
  ['local time', { ...consent, issuedAt: '2026-11-25T10:00:00+02:00' }, false],
  ['too many decisions', { ...consent, decisions: Array(33).fill(consent.decisions[0]) }, false],
  ['unknown type', { ...consent, type: 'cookie-consent' }, false],
  ['not an object', 'consent', false],
];

test('the JSON Schemas accept and reject the same samples as zod', { skip: !Ajv2020 && 'ajv is not installed: add ajv (devDependency) to run this test' }, () => {
  const ajv = new Ajv2020!({ strict: true, allErrors: true });
  const schemas = jsonSchemas();
  const pairs = [
    ['privacy-record', PrivacyRecord, RECORD_SAMPLES],
    ['consent-record', ConsentRecord, RECORD_SAMPLES.filter(([, s]) => (s as { type?: string })?.type === 'consent')],
    ['data-request', DataRequest, RECORD_SAMPLES.filter(([, s]) => (s as { type?: string })?.type === 'data-request')],
    [
      'receipt',
      Receipt,
      [
        ['receipt', receipt, true],
        ['receipt with a due date', { ...receipt, dueBy: '2026-12-25' }, true],
        ['receipt with extra members (zod strips them)', { ...receipt, server: 'x' }, true],
        ['beacon receipt', { recordId: consent.id, status: 'unconfirmed', sentAt: receipt.receivedAt, via: 'beacon' }, true],
        ['unconfirmed receipt claiming a JWS', { recordId: consent.id, status: 'unconfirmed', receipt: receipt.receipt }, false],
        ['receipt without JWS', { ...receipt, receipt: undefined }, false],
        ['bad due date', { ...receipt, dueBy: '2026-02-30T00:00' }, false],
      ],
    ],
    [
      'receipt-payload',
      ReceiptPayload,
      [
        ['payload', { recordId: consent.id, jwsSha256: 'a'.repeat(64), receivedAt: receipt.receivedAt }, true],
        ['short hash', { recordId: consent.id, jwsSha256: 'a'.repeat(63), receivedAt: receipt.receivedAt }, false],
      ],
    ],
  ] as const;
  for (const [name, zodSchema, samples] of pairs) {
    const validate = ajv.compile(schemas[name]!);
    for (const [label, sample, valid] of samples as readonly (readonly [string, unknown, boolean])[]) {
      const clean = JSON.parse(JSON.stringify(sample ?? null)); // what a backend receives
      assert.equal(zodSchema.safeParse(clean).success, valid, `zod, ${name}: ${label}`);
      assert.equal(validate(clean), valid, `JSON Schema, ${name}: ${label}`);
    }
  }
});
