"""A small HTTP/1.1 client for tools/http_test.py, written by hand so that
tests control every byte: pipelined requests, malformed ones, a request
sent one byte per second. Responses are framed by their Content-Length, as
httpd always sends one."""

import json
import socket
import time


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body


class Client:
    """One connection to httpd, speaking HTTP/1.1 by hand, so that tests
    control every byte (pipelining, malformed requests, slow sending)."""

    def __init__(self, port, timeout=20):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data)

    def get(self, path, method="GET", extra=""):
        self.send(f"{method} {path} HTTP/1.1\r\nHost: oxv6\r\n{extra}\r\n".encode())
        return self.response(head_only=method == "HEAD")

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed by httpd")
        self.buffer += chunk

    def response(self, head_only=False):
        """Reads one response, framed by its Content-Length."""
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        # A HEAD answer and a 304 have no body, whatever Content-Length says
        # (RFC 9110 §6.4.1).
        no_body = head_only or status == 304
        length = 0 if no_body else int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Response(status, headers, body)

    def closed_by_server(self, timeout=5):
        """True if the server closes (EOF or reset) within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(4096):
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def raw_status(port, request, timeout=20):
    """Sends raw bytes; returns (status, closed afterwards) of the answer."""
    client = Client(port, timeout)
    try:
        client.send(request)
        response = client.response()
        return response.status, response.headers.get("connection") == "close" and client.closed_by_server()
    finally:
        client.close()


def api(port, page):
    client = Client(port)
    try:
        return json.loads(client.get(f"/api/{page}", extra="Connection: close\r\n").body)
    finally:
        client.close()


def wait_until_serving(port, deadline):
    """httpd printed its banner; the network may take a moment more."""
    while time.monotonic() < deadline:
        try:
            client = Client(port, timeout=5)
            try:
                if client.get("/").status == 200:
                    return True
            finally:
                client.close()
        except (OSError, EOFError, ValueError, IndexError):
            time.sleep(0.5)
    return False


def live_sockets(port):
    net = api(port, "net")
    busy = {state: n for state, n in net["by_state"].items() if state != "TIME-WAIT"}
    return sum(busy.values()), busy, net["httpd"]["open_connections"]
