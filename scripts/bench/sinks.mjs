// The loopback SMTP server and webhook endpoint of the queue bench, in a process of their own so
// their work is not counted as the receiver's. Forked by queues.mjs; answers `count` messages over IPC.
import { createServer } from 'node:http';
import { SMTPServer } from 'smtp-server';

let mails = 0;
let hooks = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, done) {
    stream.resume();
    stream.on('end', () => ((mails += 1), done()));
  },
});
await new Promise((r) => smtp.listen(0, '127.0.0.1', r));
const http = createServer((req, res) => {
  req.resume();
  req.on('end', () => ((hooks += 1), res.writeHead(204).end()));
});
await new Promise((r) => http.listen(0, '127.0.0.1', r));
process.on('message', (message) => {
  if (message === 'count') process.send({ mails, hooks });
  if (message === 'stop') process.exit(0);
});
process.send({ smtp: `smtp://127.0.0.1:${smtp.server.address().port}`, hooks: `http://127.0.0.1:${http.address().port}/hooks` });
