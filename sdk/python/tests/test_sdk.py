"""The generated Python SDK against a real `hms up`: register and log in on
the user service directly and through the gateway's gRPC passthrough.

`hms up` runs from $HMS_BIN (default: target/debug/hms of this repository)
on ephemeral ports with its data in a temporary directory.
"""

import os
import pathlib
import re
import subprocess
import tempfile
import threading
import time
import uuid

import grpc
import pytest

from hms.common.v1 import access_pb2
from hms.user.v1 import user_pb2, user_pb2_grpc

ROOT = pathlib.Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def hms():
    binary = os.environ.get("HMS_BIN", str(ROOT / "target" / "debug" / "hms"))
    if not os.path.exists(binary):
        pytest.fail(f"{binary} does not exist: build it with `cargo build -p hms` or set HMS_BIN")
    data = tempfile.TemporaryDirectory()
    env = dict(
        os.environ,
        HMS_DATA_DIR=data.name,
        HMS_USER__SERVER__LISTEN="127.0.0.1:0",
        HMS_NOTIFICATION__SERVER__LISTEN="127.0.0.1:0",
        HMS_GATEWAY__LISTEN="127.0.0.1:0",
        # Every service on a free port, so another `hms up` on this machine is no obstacle.
        HMS_APPOINTMENT__SERVER__LISTEN="127.0.0.1:0",
        HMS_EHR__SERVER__LISTEN="127.0.0.1:0",
        HMS_PHARMACY__SERVER__LISTEN="127.0.0.1:0",
        HMS_LABORATORY__SERVER__LISTEN="127.0.0.1:0",
        HMS_BILLING__SERVER__LISTEN="127.0.0.1:0",
        HMS_ADMIN__SERVER__LISTEN="127.0.0.1:0",
        HMS_USER__INITIAL_ADMIN__PASSWORD="admin-password-for-tests",
        HMS_TELEMETRY__LOG_FORMAT="json",
    )
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    process = subprocess.Popen(
        [binary, "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    addresses = {}
    lines = []

    def read():
        for line in process.stdout:
            lines.append(line)
            match = re.match(r"\s+(gateway|user service|notification service)\s+\w+://(\S+)", line)
            if match:
                addresses[match.group(1)] = match.group(2)

    threading.Thread(target=read, daemon=True).start()
    deadline = time.time() + 60
    while len(addresses) < 3 and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    if len(addresses) < 3:
        process.kill()
        pytest.fail("hms up did not start:\n" + "".join(lines))
    yield addresses
    process.terminate()
    assert process.wait(timeout=60) == 0
    data.cleanup()


def register_and_login(address: str) -> None:
    username = f"py.{uuid.uuid4().hex[:10]}"
    with grpc.insecure_channel(address) as channel:
        users = user_pb2_grpc.UserServiceStub(channel)
        registered = users.Register(
            user_pb2.RegisterRequest(
                username=username,
                password=PASSWORD,
                email=f"{username}@example.com",
                first_name="Py",
                last_name="Thon",
            ),
            timeout=30,
        )
        assert registered.user.username == username
        assert registered.user.role == access_pb2.ROLE_PATIENT

        login = users.Login(user_pb2.LoginRequest(username=username, password=PASSWORD), timeout=30)
        token = login.tokens.access_token
        assert len(token) > 20
        me = users.GetMe(user_pb2.GetMeRequest(), metadata=[("authorization", f"Bearer {token}")], timeout=30)
        assert me.user.id == registered.user.id

        with pytest.raises(grpc.RpcError) as refused:
            users.Login(user_pb2.LoginRequest(username=username, password="wrong password!"), timeout=30)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_register_and_login_on_the_user_service(hms):
    register_and_login(hms["user service"])


def test_register_and_login_through_the_gateway(hms):
    register_and_login(hms["gateway"])
