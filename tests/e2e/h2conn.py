"""h2conn - HTTP/2 for the test server (vaultserver.py), as Vault's TLS listener.

A TLS connection whose ALPN settled on "h2" is handed here by vaultserver's
connection handler.  The framing, HPACK and stream states are Debian's
python3-h2 (and its hyperframe); this file only drives them: the connection's
thread does all socket I/O (one SSL object is never used by two threads),
and every complete request runs on a thread of its own through the very
VaultServer._serve_request that HTTP/1.1 uses, with a _Stream standing in for
the HTTP/1.1 handler, so both protocols give the same answers.

Go's HTTP/2 server is the model (golang.org/x/net/http2, Vault's listener):
SETTINGS_MAX_CONCURRENT_STREAMS 250, 1 MiB stream windows, 1 MiB frames; a
stream over the advertised limit is refused with RST_STREAM (REFUSED_STREAM
while the client has not acknowledged the limit, PROTOCOL_ERROR after), not
with a connection error as python3-h2 itself would.

Switches (VaultServer attributes, read when a stream is dispatched):
    h2_max_streams  SETTINGS_MAX_CONCURRENT_STREAMS of new connections (250)
    h2_goaway_at    N: when stream N+1 of a connection arrives, send GOAWAY
                    (NO_ERROR, last stream = the N-th), answer the N,
                    refuse that stream and any newer (REFUSED_STREAM, never
                    dispatched), then close; fires once (back to None).
                    Keyed to arrivals, not to timing: the client always has
                    a stream above last_stream_id in flight, as when a
                    server's GOAWAY crosses new streams on the wire
    h2_drop_at      N: once N streams are in flight, close the connection
                    without GOAWAY (those N are never answered); fires once
    h2_idle_timeout S: a connection with no stream in flight for S seconds
                    gets GOAWAY (NO_ERROR, last stream = the highest
                    received), refuses newer streams (REFUSED_STREAM) and
                    is closed 1 s later, as Go's server does after its
                    IdleTimeout (goAwayTimeout); None (default): never
and the per-request fault action "rst_stream" (error_code=, default
INTERNAL_ERROR): RST_STREAM instead of an answer.  Connection-level fault
actions act on the whole connection, as a server or balancer going away
does: "drop" closes it, "reset" closes it with a TCP RST; "truncate" sends
the headers and half the body, then resets the stream; "stall" sends them,
then hangs; "huge" streams its body under flow control.
Counters: VaultServer.h2_events: refused (REFUSED_STREAM: over the limit
before the client acknowledged it, or after GOAWAY), over_limit (after),
goaway, idle_goaway, dropped, rst_stream.
"""

import email.utils
import select
import socket
import ssl
import struct
import threading
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
from hyperframe.frame import GoAwayFrame

GO_MAX_STREAMS = 250
GO_WINDOW = 1 << 20
GO_FRAME = 1 << 20
GO_HEADER_LIST = (1 << 20) + 320
GO_AWAY_TIMEOUT = 1.0  # Go: the connection closes this long after a GOAWAY
MAX_BODY = 32 << 20  # request bodies; vaultrun's are a few hundred bytes


class _Conn(h2.connection.H2Connection):
    """python3-h2 with its connection-level stream limit left to us: Go
    refuses the one stream over the limit, python3-h2 would end the
    connection (TooManyStreamsError).  The property is read only there."""

    @property
    def open_inbound_streams(self):
        return 0


class _Gone(OSError):
    """The stream or the connection went away before the answer was sent."""


class _Headers(list):
    """(name, value) pairs, as Request() reads an HTTP/1.1 handler's."""

    def items(self):
        return list(self)

    def get(self, name, default=None):
        name = name.lower()
        for k, v in self:
            if k == name:
                return v
        return default


class _Stream:
    """One request, standing in for vaultserver's HTTP/1.1 handler: the
    attributes and methods VaultServer._serve_request and _fault use."""

    h2 = True

    def __init__(self, conn, sid, headers):
        self.conn, self.sid = conn, sid
        self.connection = conn.sock  # Request.conn and the peer certificate
        self.close_connection = False
        pseudo = dict((k, v) for k, v in headers if k.startswith(":"))
        self.command = pseudo.get(":method", "GET")
        self.path = pseudo.get(":path", "/")
        self.headers = _Headers((k, v) for k, v in headers if not k.startswith(":"))
        if ":authority" in pseudo and self.headers.get("host") is None:
            self.headers.append(("host", pseudo[":authority"]))
        self.body = bytearray()
        self.too_large = False
        self.started = False  # handed to a thread
        self.done = False     # answered or reset: no longer in flight

    # ---- what _serve_request calls

    def read_body(self):
        if self.too_large:
            raise ValueError("request body too large")
        return bytes(self.body)

    @staticmethod
    def head_fields(status, ctype, length, extra=None):
        out = [(":status", str(status)), ("cache-control", "no-store")]
        if ctype:
            out.append(("content-type", ctype))
        out.append(("date", email.utils.formatdate(usegmt=True)))
        for k, v in (extra or {}).items():
            out.append((k.lower(), str(v)))
        if length is not None:
            out.append(("content-length", str(length)))
        return out

    def write(self, resp, head_only=False):
        body = resp.body or b""
        if resp.status == 204 or resp.status < 200:
            fields, body = self.head_fields(resp.status, None, None, resp.headers), b""
        else:
            fields = self.head_fields(resp.status, resp.ctype, len(body), resp.headers)
            if head_only:
                body = b""
        self.conn.send(self, fields, body, end=True)

    def stream_fault(self, vault, req, f):
        """The faults that act on the transport; False: not one of them."""
        c, p = self.conn, f.params
        if f.action == "rst_stream":
            c.reset(self, p.get("error_code", h2.errors.ErrorCodes.INTERNAL_ERROR))
            vault.h2_count("rst_stream")
        elif f.action in ("drop", "reset"):
            c.kill(reset=f.action == "reset")
        elif f.action in ("truncate", "stall"):
            resp = vault._handle(req)
            body = resp.body or b""
            req.status = resp.status
            fields = self.head_fields(resp.status, resp.ctype or "application/json", len(body) + 1024,
                                      resp.headers)
            c.send(self, fields, body[: len(body) // 2], end=False)
            if f.action == "stall":
                c.wait_gone(self, p.get("seconds", 120))
            c.reset(self, h2.errors.ErrorCodes.INTERNAL_ERROR)
        elif f.action == "huge":
            req.status = 200
            pre, fill, post = vault._huge_parts(p.get("size", 5 << 20))
            c.send(self, self.head_fields(200, "application/json", len(pre) + fill + len(post)), pre,
                   end=False)
            chunk = b"A" * 65536
            while fill > 0:
                n = min(fill, len(chunk))
                c.send(self, None, chunk[:n], end=False)
                fill -= n
            c.send(self, None, post, end=True)
        else:
            return False
        return True


class H2Connection:
    """One HTTP/2 connection; serve() returns when it is over."""

    def __init__(self, vault, sock):
        self.vault, self.sock = vault, sock
        self.cond = threading.Condition()
        self.out = bytearray()
        self.streams = {}      # stream id -> _Stream (dispatched or receiving)
        self.highest = 0
        self.received = 0        # streams whose HEADERS arrived
        self.goaway_last = None  # after GOAWAY: the last stream we answer
        self.acked = False
        self.closing = False     # close once everything pending is sent
        self.stop = False
        self.gone = False
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_w.setblocking(False)
        self.limit = vault.h2_max_streams
        self.idle_since = time.monotonic()  # None while a stream is in flight
        self.close_at = None  # after an idle GOAWAY: when to close
        cfg = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        self.h2 = _Conn(config=cfg)
        self.h2.local_settings = h2.settings.Settings(client=False, initial_values={
            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: self.limit,
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: GO_WINDOW,
            h2.settings.SettingCodes.MAX_FRAME_SIZE: GO_FRAME,
            h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: GO_HEADER_LIST,
        })
        self.h2.max_inbound_frame_size = GO_FRAME

    # ---- called from stream threads (under self.cond)

    def _wake(self):
        try:
            self.wake_w.send(b"x")
        except OSError:
            pass

    def _flush_locked(self):
        self.out += self.h2.data_to_send()
        self._wake()

    def send(self, st, fields, body, end):
        """Headers (if fields) and body, under flow control; _Gone when the
        stream or connection went away first."""
        view = memoryview(body)
        with self.cond:
            if self.gone or st.done:
                raise _Gone("stream closed")
            try:
                if fields is not None:
                    self.h2.send_headers(st.sid, fields, end_stream=end and not view)
                while view:
                    n = min(len(view), self.h2.max_outbound_frame_size,
                            self.h2.local_flow_control_window(st.sid))
                    if n <= 0:
                        self._flush_locked()
                        self.cond.wait(0.5)
                        if self.gone or st.done:
                            raise _Gone("stream closed")
                        continue
                    self.h2.send_data(st.sid, bytes(view[:n]), end_stream=end and n == len(view))
                    view = view[n:]
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError) as e:
                raise _Gone(str(e))
            if end:
                self._finish(st)
            self._flush_locked()

    def reset(self, st, code):
        with self.cond:
            if not (self.gone or st.done):
                try:
                    self.h2.reset_stream(st.sid, error_code=code)
                except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                    pass
                self._finish(st)
                self._flush_locked()

    def kill(self, reset=False):
        """Close the connection now, no GOAWAY (reset: with a TCP RST)."""
        with self.cond:
            self.gone = self.stop = True
            self.cond.notify_all()
        if reset:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            with self.vault._lock:
                self.vault._reset.add(self.sock)
        else:
            self._shutdown()
        self._wake()

    def _shutdown(self):
        """shutdown(2) of the descriptor only: SSLSocket.shutdown would drop
        the SSL object under the connection's thread, which may be using it."""
        try:
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except OSError:
            pass

    def wait_gone(self, st, seconds):
        with self.cond:
            self.cond.wait_for(lambda: self.gone or st.done or self.vault._stopping, seconds)

    def _finish(self, st):
        st.done = True
        self.streams.pop(st.sid, None)
        if self.goaway_last is not None and not self._pending():
            self.closing = True
        self.cond.notify_all()

    def _pending(self):
        return [s for s in self.streams.values() if not s.done and s.sid <= self.goaway_last]

    # ---- the connection's own thread

    def serve(self):
        sock = self.sock
        sock.setblocking(False)
        with self.cond:
            self.h2.initiate_connection()
            self.h2.increment_flow_control_window(GO_WINDOW - 65535)  # Go: 1 MiB for the connection too
            self.out += self.h2.data_to_send()
        try:
            self._loop()
        finally:
            with self.cond:
                self.gone = True
                for st in list(self.streams.values()):
                    st.done = True
                self.cond.notify_all()
            self.wake_r.close()
            self.wake_w.close()

    def _idle(self):
        """Seconds until the idle timeout (None: no timeout running); at
        the timeout, GOAWAY and close once it is sent.  Under self.cond."""
        limit = self.vault.h2_idle_timeout
        if self.streams or self.goaway_last is not None:
            self.idle_since = None
            return None
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if limit is None:
            return None
        left = self.idle_since + limit - now
        if left > 0:
            return left
        self.goaway_last = self.highest
        f = GoAwayFrame(0)
        f.last_stream_id = self.highest
        f.error_code = h2.errors.ErrorCodes.NO_ERROR
        self.out += self.h2.data_to_send() + f.serialize()
        self.close_at = now + GO_AWAY_TIMEOUT
        self.vault.h2_count("idle_goaway")
        return None

    def _loop(self):
        sock = self.sock
        while True:
            with self.cond:
                idle = self._idle()
                if self.close_at is not None:
                    idle = max(0.0, self.close_at - time.monotonic())
                    if not idle and not self.out:
                        return
                if self.stop or (self.closing and not self.out):
                    return
                want_write = bool(self.out)
            if sock.pending():
                readable = [sock]
            else:
                wait = 1.0 if idle is None else min(1.0, idle)
                readable, writable, _ = select.select([sock, self.wake_r], [sock] if want_write else [],
                                                      [], wait)
            if self.vault._stopping:
                return
            if self.wake_r in readable:
                try:
                    self.wake_r.recv(4096)
                except OSError:
                    pass
            if sock in readable and not self._read():
                return
            if not self._write():
                return

    def _read(self):
        try:
            data = self.sock.recv(65536)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return True
        except OSError:
            return False
        if not data:
            return False
        with self.cond:
            try:
                events = self.h2.receive_data(data)
            except h2.exceptions.ProtocolError:
                self.out += self.h2.data_to_send()
                self.closing = True
                return True
            for ev in events:
                self._event(ev)
            self.out += self.h2.data_to_send()
            self.cond.notify_all()
        return True

    def _write(self):
        with self.cond:
            if not self.out:
                return True
            chunk = bytes(self.out[:65536])
        try:
            n = self.sock.send(chunk)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return True
        except OSError:
            return False
        with self.cond:
            del self.out[:n]
        return True

    def _event(self, ev):
        E = h2.events
        if isinstance(ev, E.RequestReceived):
            self._request(ev)
        elif isinstance(ev, E.DataReceived):
            st = self.streams.get(ev.stream_id)
            if st is not None:
                st.body += ev.data
                if len(st.body) > MAX_BODY:
                    st.too_large, st.body = True, bytearray()
            try:
                self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                pass
            if ev.stream_ended is not None and st is not None:
                self._dispatch(st)
        elif isinstance(ev, E.StreamEnded):
            st = self.streams.get(ev.stream_id)
            if st is not None and not st.started:
                self._dispatch(st)
        elif isinstance(ev, E.StreamReset):
            st = self.streams.pop(ev.stream_id, None)
            if st is not None:
                st.done = True
        elif isinstance(ev, E.SettingsAcknowledged):
            self.acked = True
        elif isinstance(ev, E.ConnectionTerminated):
            self.closing = True

    def _refuse(self, sid, code, event="refused"):
        try:
            self.h2.reset_stream(sid, error_code=code)
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            pass
        self.vault.h2_count(event)

    def _request(self, ev):
        sid = ev.stream_id
        self.received += 1
        self._maybe_goaway()
        self.highest = max(self.highest, sid)
        if self.goaway_last is not None and sid > self.goaway_last:
            self._refuse(sid, h2.errors.ErrorCodes.REFUSED_STREAM)
            return
        if sum(1 for s in self.streams.values() if not s.done) >= self.limit:
            if self.acked:  # the client knew the limit and went over it
                self._refuse(sid, h2.errors.ErrorCodes.PROTOCOL_ERROR, "over_limit")
            else:
                self._refuse(sid, h2.errors.ErrorCodes.REFUSED_STREAM)
            return
        st = _Stream(self, sid, ev.headers)
        self.streams[sid] = st
        if ev.stream_ended is not None:
            self._dispatch(st)

    def _maybe_goaway(self):
        """h2_goaway_at N: stream N+1 has just arrived (self.highest is
        still the N-th): GOAWAY naming the N-th as the last."""
        v = self.vault
        with v._lock:
            goaway = (v.h2_goaway_at is not None and self.goaway_last is None
                      and self.received == v.h2_goaway_at + 1)
            if goaway:
                v.h2_goaway_at = None
        if not goaway:
            return
        self.goaway_last = self.highest
        f = GoAwayFrame(0)
        f.last_stream_id = self.highest
        f.error_code = h2.errors.ErrorCodes.NO_ERROR
        # Sent beside python3-h2, which would refuse to answer anything
        # after a GOAWAY of its own: Go's graceful shutdown answers the
        # streams up to last_stream_id first.
        self.out += self.h2.data_to_send() + f.serialize()
        v.h2_count("goaway")

    def _dispatch(self, st):
        if self.gone:  # dropped while this read's other frames were handled
            return
        st.started = True
        threading.Thread(target=self._run, args=(st,), name="h2-stream-%d" % st.sid, daemon=True).start()
        active = sum(1 for s in self.streams.values() if s.started and not s.done)
        v = self.vault
        with v._lock:
            drop = v.h2_drop_at is not None and active >= v.h2_drop_at
            if drop:
                v.h2_drop_at = None
        if drop:
            v.h2_count("dropped")
            self.gone = self.stop = True
            self._shutdown()

    def _run(self, st):
        try:
            self.vault._serve_request(st)
        except OSError:  # _Gone included: the client went away
            pass
        except Exception:
            self.vault._record_error()


def serve(vault, sock):
    """Serve one TLS connection that negotiated "h2" until it ends."""
    H2Connection(vault, sock).serve()
