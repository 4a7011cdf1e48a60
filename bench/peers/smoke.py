#!/usr/bin/env python3
"""Smoke check for the benchmark peers (stdlib only, any Python 3.8+).

For each peer (default: socketio flask ceiling) it starts `run.sh start PEER PORT`
on a free loopback port, connects 3 receivers + 1 sender speaking the raw wire
protocol, sends 5 messages, and checks every receiver got all 5 bodies, in order
and unchanged, and that the sender got none of them. Exits non-zero on failure.

    python3 bench/peers/smoke.py [socketio|flask|ceiling ...]

The peers must be installed first (`bench/peers/run.sh install`).
"""

import base64
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_SH = os.path.join(HERE, "run.sh")
HOST = "127.0.0.1"
ROOM = "bench"
N_RECEIVERS = 3
N_MESSAGES = 5
TIMEOUT = 10.0


class Fail(Exception):
    pass


# --------------------------------------------------------------------------- raw WebSocket client


class WebSocket:
    """Minimal RFC 6455 client: masked text frames out, unmasked frames in."""

    def __init__(self, port, path):
        self.sock = socket.create_connection((HOST, port), timeout=TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (
            f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(req.encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Fail(f"connection closed during handshake to {path}")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n", 1)[0].decode(errors="replace")
        if " 101 " not in status + " ":
            raise Fail(f"handshake to {path} failed: {status}")

    def send_text(self, text):
        self._send_frame(0x1, text.encode("utf-8"))

    def _send_frame(self, opcode, payload):
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _read_exact(self, n, deadline):
        while len(self.buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout()
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Fail("connection closed by server")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_text(self, timeout=TIMEOUT):
        """Next complete text message; answers WebSocket pings. Raises socket.timeout."""
        deadline = time.monotonic() + timeout
        parts, first_op = [], None
        while True:
            b0, b1 = self._read_exact(2, deadline)
            fin, opcode, n = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
            if b1 & 0x80:
                raise Fail("server sent a masked frame")
            if n == 126:
                (n,) = struct.unpack("!H", self._read_exact(2, deadline))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._read_exact(8, deadline))
            payload = self._read_exact(n, deadline)
            if opcode == 0x9:  # ping
                self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:  # pong
                continue
            if opcode == 0x8:
                raise Fail(f"server closed the WebSocket: {payload[:2].hex()} {payload[2:]!r}")
            if opcode != 0x0:
                first_op = opcode
            parts.append(payload)
            if fin:
                if first_op != 0x1:
                    raise Fail(f"expected a text frame, got opcode {first_op}")
                return b"".join(parts).decode("utf-8")

    def close(self):
        try:
            self._send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()


# --------------------------------------------------------------------------- Socket.IO v5 / Engine.IO v4 client


class SocketIOClient:
    def __init__(self, port):
        self.ws = WebSocket(port, "/socket.io/?EIO=4&transport=websocket")
        opened = self.ws.recv_text()
        if not opened.startswith("0{"):
            raise Fail(f"expected Engine.IO open packet, got {opened!r}")
        info = json.loads(opened[1:])
        if "pingInterval" not in info or "sid" not in info:
            raise Fail(f"open packet lacks sid/pingInterval: {opened!r}")
        if info.get("upgrades"):
            raise Fail(f"websocket-only server offers upgrades: {opened!r}")
        self.ws.send_text("40")
        connected = self.recv_packet()
        if not connected.startswith("40{") or "sid" not in json.loads(connected[2:]):
            raise Fail(f'expected 40{{"sid":...}}, got {connected!r}')

    def recv_packet(self, timeout=TIMEOUT):
        """Next Engine.IO packet that is not a ping (pings are answered with pong)."""
        deadline = time.monotonic() + timeout
        while True:
            pkt = self.ws.recv_text(max(0.0, deadline - time.monotonic()))
            if pkt == "2":
                self.ws.send_text("3")
                continue
            return pkt

    def emit(self, *args):
        self.ws.send_text("42" + json.dumps(list(args), separators=(",", ":"), ensure_ascii=False))

    def recv_event(self, timeout=TIMEOUT):
        pkt = self.recv_packet(timeout)
        if not pkt.startswith("42"):
            raise Fail(f"expected an event packet (42...), got {pkt!r}")
        return json.loads(pkt[2:]), pkt

    def close(self):
        self.ws.close()


# --------------------------------------------------------------------------- scenarios


def bodies():
    # Bodies with quotes, backslashes, non-ASCII and JSON-looking text: must come back unchanged.
    return [f'smoke #{i} "q" \\ é ✓ {{"k":[{i}]}}' for i in range(N_MESSAGES)]


def scenario_socketio(port):
    receivers = [SocketIOClient(port) for _ in range(N_RECEIVERS)]
    for r in receivers:
        r.emit("join", ROOM)
        ev, raw = r.recv_event()
        if ev != ["joined", ROOM]:
            raise Fail(f'expected ["joined","{ROOM}"], got {raw!r}')
    sender = SocketIOClient(port)  # not in the room
    sent = bodies()
    for body in sent:
        sender.emit("send", {"room": ROOM, "body": body})
    samples = []
    for idx, r in enumerate(receivers):
        got = []
        for _ in range(N_MESSAGES):
            ev, raw = r.recv_event()
            if len(ev) != 2 or ev[0] != "msg" or not isinstance(ev[1], dict) or ev[1].get("room") != ROOM:
                raise Fail(f"receiver {idx}: unexpected event {raw!r}")
            got.append(ev[1].get("body"))
            samples.append(raw)
        if got != sent:
            raise Fail(f"receiver {idx}: bodies differ\n  sent {sent!r}\n  got  {got!r}")
    expect_silence(lambda: sender.recv_packet(0.3), "sender (not in the room)")
    for c in receivers + [sender]:
        c.close()
    return samples[0]


def scenario_plain(port):
    receivers = [WebSocket(port, "/") for _ in range(N_RECEIVERS)]
    sender = WebSocket(port, "/")
    sent = bodies()
    for body in sent:
        sender.send_text(body)
    for idx, r in enumerate(receivers):
        got = [r.recv_text() for _ in range(N_MESSAGES)]
        if got != sent:
            raise Fail(f"receiver {idx}: bodies differ\n  sent {sent!r}\n  got  {got!r}")
    expect_silence(lambda: sender.recv_text(0.3), "sender (broadcast goes to others only)")
    for c in receivers + [sender]:
        c.close()
    return sent[0]


def expect_silence(recv, who):
    try:
        extra = recv()
    except socket.timeout:
        return
    raise Fail(f"{who} unexpectedly received {extra!r}")


SCENARIOS = {"socketio": scenario_socketio, "flask": scenario_socketio, "ceiling": scenario_plain}


# --------------------------------------------------------------------------- process handling


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_listening(proc, port, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Fail(f"server exited early with code {proc.returncode}")
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise Fail(f"server not listening on {port} after {timeout}s")


def run_peer(peer):
    port = free_port()
    log_path = os.path.join(HERE, f".smoke-{peer}.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([RUN_SH, "start", peer, str(port)], stdout=log, stderr=subprocess.STDOUT)
    t0 = time.monotonic()
    try:
        wait_listening(proc, port)
        sample = SCENARIOS[peer](port)
        if proc.poll() is not None:
            raise Fail(f"server died during the check (code {proc.returncode})")
        return port, time.monotonic() - t0, sample
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # run.sh execs, so this is the server itself
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with open(log_path, "rb") as f:
            log_text = f.read().decode(errors="replace").strip()
        os.unlink(log_path)
        run_peer.last_log = log_text


def main(argv):
    peers = argv or ["socketio", "flask", "ceiling"]
    for p in peers:
        if p not in SCENARIOS:
            print(f"unknown peer {p!r}; choose from {' '.join(SCENARIOS)}", file=sys.stderr)
            return 2
    failed = 0
    for peer in peers:
        run_peer.last_log = ""
        try:
            port, secs, sample = run_peer(peer)
        except (Fail, OSError) as e:
            failed += 1
            print(f"FAIL {peer}: {type(e).__name__ if not isinstance(e, Fail) else ''}{e}")
            if run_peer.last_log:
                print("  server output:\n    " + run_peer.last_log.replace("\n", "\n    "))
            continue
        banner = run_peer.last_log.splitlines()[0] if run_peer.last_log else ""
        print(f"ok   {peer}: port {port}, {N_RECEIVERS} receivers x {N_MESSAGES} messages, {secs:.2f}s")
        print(f"       {banner}")
        print(f"       sample frame: {sample}")
    print(f"{len(peers) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
