"""Helpers for the S3 tests: a real moto server, show configuration, and network faults."""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path
from typing import Any

import boto3

MP3_PUT = re.compile(rb"PUT \S+\.mp3 HTTP/1\.1")


def admin_client(endpoint: str) -> Any:
    """A client of our own, to look at the bucket the way an operator would."""
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


def use_storage(root: Path, url: str, base_url: str, **extra: str) -> None:
    """Point the show's [storage] table at `url`, replacing the demo's local folder."""
    config = root / "podcast.toml"
    lines = [f'url = "{url}"', f'public_base_url = "{base_url}"']
    lines += [f'{key} = "{value}"' for key, value in extra.items()]
    text = re.sub(
        r"\[storage\]\n.*?\n\n",
        "[storage]\n" + "\n".join(lines) + "\n\n",
        config.read_text(),
        count=1,
        flags=re.S,
    )
    config.write_text(text)


class FakeBody:
    """The raw body of a response a before-send handler returns instead of sending."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


class StallingProxy:
    """A TCP proxy to the S3 endpoint that passes everything until the first PUT of an MP3,
    passes its headers and the first `body_bytes` of its body, then stops forwarding: the
    upload is caught half-sent, as when a laptop lid closes or a CI job is killed."""

    def __init__(self, upstream_port: int, body_bytes: int = 64 * 1024) -> None:
        self.upstream_port = upstream_port
        self.body_bytes = body_bytes
        self.stalled = threading.Event()
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self.sockets += [client, upstream]
            threading.Thread(target=self._requests, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._responses, args=(upstream, client), daemon=True).start()

    def _responses(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass

    def _requests(self, source: socket.socket, target: socket.socket) -> None:
        remaining = -1  # bytes of the caught upload still to pass; -1: none caught yet
        try:
            while data := source.recv(65536):
                caught = MP3_PUT.search(data) if remaining < 0 else None
                if caught and not self.stalled.is_set():
                    remaining = data.index(b"\r\n\r\n", caught.start()) + 4 + self.body_bytes
                if remaining >= 0:
                    target.sendall(data[:remaining])
                    remaining -= min(len(data), remaining)
                    if remaining == 0:
                        self.stalled.set()
                        return  # stop reading: the client blocks in the middle of its body
                    continue
                target.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()
        for sock in self.sockets:
            sock.close()
