"""Flask-SocketIO broadcast peer for the Parley fan-out benchmark.

Async mode: gevent, with gevent-websocket providing the WebSocket handler
(pywsgi.WSGIServer + geventwebsocket.handler.WebSocketHandler, which is what
Flask-SocketIO's own `socketio.run()` picks when gevent-websocket is installed).

Protocol (Socket.IO v5 over Engine.IO v4, websocket transport only):
  client -> "join" <room>          server joins the socket to <room>, replies "joined" <room>
  client -> "send" {room, body}    server emits "msg" {room, body} to <room>
Nothing is logged per message.
"""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import sys  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

PORT = int(os.environ.get("PORT", "3002"))
HOST = "127.0.0.1"

app = Flask(__name__)
socketio = SocketIO(
    app,
    async_mode="gevent",
    path="socket.io",
    transports=["websocket"],
    cors_allowed_origins="*",  # like the Node peer: no Origin check for websocket clients
    manage_session=False,  # no Flask session is used; skip per-event session bookkeeping
    logger=False,
    engineio_logger=False,
    # max_http_buffer_size, ping_interval, ping_timeout: defaults (1 MB, 25 s, 20 s),
    # the same as the Node Socket.IO peer.
)


@socketio.on("join")
def on_join(room):
    if not isinstance(room, str):
        return
    join_room(room)
    emit("joined", room)


@socketio.on("send")
def on_send(msg):
    if not isinstance(msg, dict) or not isinstance(msg.get("room"), str):
        return
    room = msg["room"]
    socketio.emit("msg", {"room": room, "body": msg.get("body")}, to=room)


if __name__ == "__main__":
    from importlib.metadata import version

    print(
        f"flask peer listening on ws://{HOST}:{PORT}/socket.io/ "
        f"(async_mode={socketio.server.eio.async_mode}, Flask-SocketIO {version('Flask-SocketIO')}, "
        f"gevent {version('gevent')}, gevent-websocket {version('gevent-websocket')}, "
        f"python {sys.version.split()[0]})",
        flush=True,
    )
    socketio.run(app, host=HOST, port=PORT, log_output=False, use_reloader=False, debug=False)
