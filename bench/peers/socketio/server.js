'use strict';
// Socket.IO 4 broadcast peer for the Parley fan-out benchmark.
//
// Protocol (Socket.IO v5 over Engine.IO v4, websocket transport only):
//   client -> "join" <room>            server joins the socket to <room>, replies "joined" <room>
//   client -> "send" {room, body}      server: io.to(room).emit("msg", {room, body})
// Nothing is logged per message.

const http = require('node:http');
const { Server } = require('socket.io');

const port = Number.parseInt(process.env.PORT || '3001', 10);
const host = '127.0.0.1';

const httpServer = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});

const io = new Server(httpServer, {
  path: '/socket.io',
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
  // maxHttpBufferSize, pingInterval, pingTimeout: Socket.IO defaults.
});

io.on('connection', (socket) => {
  socket.on('join', (room) => {
    if (typeof room !== 'string') return;
    socket.join(room);
    socket.emit('joined', room);
  });
  socket.on('send', (msg) => {
    if (msg === null || typeof msg !== 'object' || typeof msg.room !== 'string') return;
    io.to(msg.room).emit('msg', { room: msg.room, body: msg.body });
  });
});

httpServer.listen(port, host, () => {
  console.log(`socketio peer listening on ws://${host}:${port}/socket.io/ (socket.io ${require('socket.io/package.json').version}, node ${process.version})`);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    io.close();
    process.exit(0);
  });
}
