// A stand-in for a real server in the exitmon.yaml example: listens on
// 127.0.0.1:PORT (after an optional start-up delay, as a database would)
// and stops cleanly on SIGTERM or SIGINT.
import { createServer } from 'node:net';

const [name = 'service', port = '0', delayMs = '0'] = process.argv.slice(2);
// A client may close before reading the greeting (a readiness probe connects
// and closes at once, like `nc -z`): the reset that follows is the client's
// business, not a reason for the server to crash.
const server = createServer((socket) => {
  socket.on('error', () => {});
  socket.end(`hello from ${name}\n`);
});
setTimeout(() => {
  server.listen(Number(port), '127.0.0.1', () => console.log(`${name}: listening on 127.0.0.1:${server.address().port}`));
}, Number(delayMs));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`${name}: ${signal}, closing`);
    server.close(() => process.exit(0));
  });
}
