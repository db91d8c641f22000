import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { canonicalJson } from '@optimesys/privacy-records/canonical';
import { createConsentRecord, createDataRequest } from '@optimesys/privacy-records/create';
import { keySigner, signRecord, type Signer } from '@optimesys/privacy-records/sign';
import type { MailTransport, OutgoingMail } from '../../src/mail/transport.js';
import { parseConfig, type ReceiverConfig } from '../../src/cli/options.js';

export const tempDir = (prefix = 'pw-receiver-') => mkdtempSync(join(tmpdir(), prefix));

export function config(overrides: Partial<ReceiverConfig> = {}): ReceiverConfig {
  return { ...parseConfig(['serve', '--port', '0', '--data-dir', tempDir()], {}), ...overrides };
}

const NOTICE = { version: '2018-05-24', digest: 'a'.repeat(64) };
const SOURCE = { url: 'https://www.optimesys.fi/webinaari', element: 'consent-form', context: 'webinar-42' };

/** A signer per test run: in Node the device signer keeps its key for this process (no IndexedDB). */
let signer: Signer | undefined;
export const nodeSigner = () => (signer ??= keySigner());

export function consentRecord(email = 'maija.meikalainen@example.fi', granted = true, now = new Date()) {
  return createConsentRecord(
    {
      subject: { email },
      locale: 'fi',
      notice: NOTICE,
      source: SOURCE,
      decisions: [
        { purpose: 'newsletter', dpv: 'dpv:DirectMarketing', basis: 'consent', granted, text: 'Haluan OptimeSysin uutiskirjeen sähköpostiini' },
      ],
      processing: [],
    },
    { now },
  );
}

export function dataRequest(email = 'maija.meikalainen@example.fi') {
  return createDataRequest({
    subject: { name: 'Maija Meikäläinen', email },
    locale: 'fi',
    notice: NOTICE,
    source: { ...SOURCE, element: 'data-request-form' },
    requestType: 'access',
  });
}

export async function signed(record: Parameters<typeof signRecord>[0]) {
  return signRecord(record, nodeSigner());
}

/** Signs any payload with a fresh ES256 key and a correct header, bypassing our schema checks (for refusals). */
export async function signRaw(payload: unknown): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return new CompactSign(new TextEncoder().encode(canonicalJson(payload)))
    .setProtectedHeader({ alg: 'ES256', jwk: { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! }, kid })
    .sign(privateKey);
}

export function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(new URL('/api/records', url), {
    method: 'POST',
    headers: { 'content-type': 'application/jose', ...headers },
    body,
  });
}

/** A mail transport that keeps what it is given instead of sending it: the receiver's mails, read by a test. */
export function captureTransport(): { sent: OutgoingMail[]; transport: MailTransport } {
  const sent: OutgoingMail[] = [];
  const transport: MailTransport = {
    kind: 'file',
    timeoutMs: 1000,
    async send(message) {
      sent.push(message);
      return { messageId: `<${sent.length}@test>` };
    },
    async check() {
      return { ok: true };
    },
    close() {},
  };
  return { sent, transport };
}

/**
 * Sends `head` (a request line and headers with `Transfer-Encoding: chunked`), then an endless chunked
 * body until the server closes the connection (at most 512 MiB or `ms`): what the server answered, how
 * many bytes it let the client send, and whether it closed the connection.
 */
export function sendEndlessBody(url: string, head: string, ms = 5000): Promise<{ sent: number; closed: boolean; head: string }> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let sent = 0;
    let answer = '';
    let closed = false;
    socket.on('data', (d) => (answer += d));
    socket.on('error', () => undefined);
    socket.on('close', () => ((closed = true), resolve({ sent, closed, head: answer })));
    socket.write(head);
    const frame = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 'a'), Buffer.from('\r\n')]);
    const pump = () => {
      while (!closed && sent < 512 * 2 ** 20) {
        sent += frame.length;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
    };
    pump();
    setTimeout(() => (socket.destroy(), resolve({ sent, closed, head: answer })), ms);
  });
}
