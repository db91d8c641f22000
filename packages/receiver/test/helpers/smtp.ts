/**
 * A real SMTP server for tests: smtp-server on 127.0.0.1, no TLS, any or no
 * login, every message parsed with mailparser and kept. It can refuse
 * temporarily (451) or for good (550), and stop and start again on the same
 * port, to test what an outage does to the mail queue.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  /** The message as it came over the wire. */
  raw: Buffer;
  parsed: ParsedMail;
}

export type SmtpMode = 'accept' | 'temporary' | 'permanent';

export interface TestSmtp {
  port: number;
  url: string;
  messages: ReceivedMail[];
  /** `temporary`: 451 at RCPT TO; `permanent`: 550 at RCPT TO. */
  mode: SmtpMode;
  /** How many RCPT TO commands were answered (accepted or refused): every delivery attempt. */
  attempts: number;
  /** A slow server: each message is kept and answered this long after its data arrived (0: at once). */
  delayMs: number;
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Closes the listener and drops open sessions: the server is down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const state: TestSmtp = {
    port: 0,
    url: '',
    messages: [],
    mode: 'accept',
    attempts: 0,
    delayMs: 0,
    waitFor,
    stop,
    start,
  };
  let server: SMTPServer | undefined;
  const waiters = new Set<() => void>();

  function create(): SMTPServer {
    return new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      // any credentials are fine: the URL in tests carries some, as SMTP_URL would
      onAuth: (_auth, _session, callback) => callback(null, { user: 'test' }),
      logger: false,
      onRcptTo(_address, _session, callback) {
        state.attempts++;
        if (state.mode === 'accept') return callback();
        const error = Object.assign(
          new Error(state.mode === 'temporary' ? 'Try again later (test)' : 'No such mailbox (test)'),
          { responseCode: state.mode === 'temporary' ? 451 : 550 },
        );
        callback(error);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', async () => {
          const raw = Buffer.concat(chunks);
          if (state.delayMs) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
          simpleParser(raw).then(
            (parsed) => {
              state.messages.push({
                envelope: {
                  from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                  to: session.envelope.rcptTo.map((r) => r.address),
                },
                raw,
                parsed,
              });
              for (const wake of waiters) wake();
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
  }

  function listen(port: number): Promise<void> {
    server = create();
    return new Promise((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => {
        state.port = (server!.server.address() as { port: number }).port;
        state.url = `smtp://test:secret@127.0.0.1:${state.port}`;
        resolve();
      });
    });
  }

  function stop(): Promise<void> {
    const current = server;
    server = undefined;
    if (!current) return Promise.resolve();
    return new Promise((resolve) => {
      current.close(() => resolve());
      for (const connection of current.connections) connection.close();
    });
  }

  function start(): Promise<void> {
    return listen(state.port);
  }

  function waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs = 5000): Promise<ReceivedMail> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = state.messages.find(predicate);
        if (!found) return false;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`No matching mail within ${timeoutMs} ms (${state.messages.length} received)`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });
  }

  await listen(0);
  return state;
}
