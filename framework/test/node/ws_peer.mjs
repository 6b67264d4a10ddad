// ws_peer.mjs: Node's `ws` as the other side of loadgate's WebSocket tests.
//
//   node ws_peer.mjs server            listens on 127.0.0.1, any port; prints {"port": N} once ready
//     /echo        every message back as it came (text or binary); a ping after each message
//     /fragments   on connect, each of SIZES as a message in 3 fragments, a ping between the first
//                  two and a pong between the last two, then text "done"
//     /close       closes every connection with 4000 "bye" 300 ms after it opens
//   node ws_peer.mjs client URL        against a server of ours: every size of SIZES, text and binary,
//                  whole and in fragments with a ping between them; checks each echo byte for
//                  byte; then the close handshake. Prints one JSON line of what it saw.
//
// A last argument `deflate` turns on permessage-deflate (RFC 7692) on that side, every message
// compressed (threshold 0), fragments included; the client then prints the extension it agreed.
//
// ws validates what it receives (masking, UTF-8, control frames, close codes): a frame of ours it
// does not like fails its side with an error, which the tests see.
import { WebSocketServer, WebSocket } from 'ws';

const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 200000];

function payload(size, binary) {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = binary ? (i * 31 + 7) & 0xff : 97 + (i % 26);
  return binary ? b : b.toString('latin1');
}

const deflate = process.argv[process.argv.length - 1] === 'deflate' ? { threshold: 0 } : false;

function server() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: deflate, maxPayload: 1 << 26 });
  wss.on('connection', (ws, req) => {
    const path = req.url.split('?')[0];
    ws.on('error', (e) => process.stderr.write(`peer error: ${e.message}\n`));
    if (path === '/echo') {
      ws.on('message', (data, isBinary) => {
        ws.send(data, { binary: isBinary });
        ws.ping('after');
      });
    } else if (path === '/fragments') {
      for (const size of SIZES) {
        const p = payload(size, true);
        const a = Math.floor(size / 3), b = Math.floor((2 * size) / 3);
        ws.send(p.subarray(0, a), { binary: true, fin: false });
        ws.ping('between');
        ws.send(p.subarray(a, b), { fin: false });
        ws.pong('between');
        ws.send(p.subarray(b), { fin: true });
      }
      ws.send('done');
    } else if (path === '/close') {
      setTimeout(() => ws.close(4000, 'bye'), 300);
    } else {
      ws.close(1008, 'unknown path');
    }
  });
  wss.on('listening', () => console.log(JSON.stringify({ port: wss.address().port })));
  process.on('SIGTERM', () => process.exit(0));
}

async function client(url) {
  const ws = new WebSocket(url, { perMessageDeflate: deflate, maxPayload: 1 << 26 });
  const seen = { echoed: 0, mismatched: 0, pongs: 0, errors: [], close_code: 0, clean: false, extensions: '' };
  const queue = [];
  ws.on('message', (data, isBinary) => {
    const want = queue.shift();
    const got = isBinary ? data : data.toString('latin1');
    const same = want && want.binary === isBinary && (isBinary ? Buffer.compare(got, want.data) === 0 : got === want.data);
    if (same) seen.echoed++;
    else seen.mismatched++;
    if (queue.length === 0 && ws.readyState === WebSocket.OPEN) ws.close(1000, 'all echoed');
  });
  ws.on('pong', () => seen.pongs++);
  ws.on('error', (e) => seen.errors.push(e.message));
  ws.on('close', (code, reason) => {
    seen.close_code = code;
    seen.close_reason = reason.toString();
    console.log(JSON.stringify(seen));
    process.exit(0);
  });
  ws.on('open', () => {
    seen.extensions = ws.extensions;
    for (const binary of [false, true]) {
      for (const size of SIZES) {
        const data = payload(size, binary);
        queue.push({ data, binary });
        ws.send(data, { binary });
        // The same message in three fragments, a ping between the first two.
        queue.push({ data, binary });
        const raw = binary ? data : Buffer.from(data, 'latin1');
        const a = Math.floor(size / 3), b = Math.floor((2 * size) / 3);
        ws.send(raw.subarray(0, a), { binary, fin: false });
        ws.ping('between');
        ws.send(raw.subarray(a, b), { fin: false });
        ws.send(raw.subarray(b), { fin: true });
      }
    }
  });
  setTimeout(() => {
    seen.errors.push('timed out');
    console.log(JSON.stringify(seen));
    process.exit(1);
  }, 10000);
}

if (process.argv[2] === 'server') server();
else if (process.argv[2] === 'client') client(process.argv[3]);
else {
  console.error('usage: ws_peer.mjs server [deflate] | client URL [deflate]');
  process.exit(2);
}
