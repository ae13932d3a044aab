"""The server's HTTP protocol sets TCP_NODELAY even on a listening socket bound the way
``uvicorn --workers`` binds it (protocol number 0), where asyncio does not set it itself."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from fastapi import FastAPI

from graph_service.api.transport import HTTP_PROTOCOL


@pytest.mark.parametrize(("http", "nodelay"), [("h11", False), (HTTP_PROTOCOL, True)])
def test_a_connection_on_a_workers_style_socket_has_tcp_nodelay_only_with_our_protocol(
    http: str, nodelay: bool
) -> None:
    listening = socket.socket(socket.AF_INET)  # as uvicorn binds it for --workers: proto 0
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(FastAPI(), http=http, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        with socket.create_connection(listening.getsockname(), timeout=5) as client:
            client.sendall(b"GET /nothing HTTP/1.1\r\nHost: test\r\n\r\n")
            assert client.recv(1000).startswith(b"HTTP/1.1 404")
            options = [
                conn.transport.get_extra_info("socket").getsockopt(
                    socket.IPPROTO_TCP, socket.TCP_NODELAY
                )
                for conn in server.server_state.connections
            ]
    finally:
        server.should_exit = True
        thread.join(10)
        listening.close()
    assert options and all(bool(o) == nodelay for o in options)
