"""Starts a real `beetroot serve` on a free port with its own data folder, for tests that drive
it with clients nobody here wrote (boto3, the AWS CLI)."""
import os
import pathlib
import secrets
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import warnings
import json
import datetime
from unittest import mock

import boto3
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

# boto3 keeps connections open in a pool; the interpreter's warnings about them are noise here.
warnings.simplefilter("ignore", ResourceWarning)

BINARY = os.environ["BEETROOT_BINARY"]
MODELS = pathlib.Path(os.environ.get("BEETROOT_MODELS", pathlib.Path.home() / ".local/share/beetroot/models"))
DEMO = MODELS / "demo"
SHARED = pathlib.Path(os.environ.get("BEETROOT_SHARED_DATA", pathlib.Path(__file__).resolve().parents[3] / "shared/data"))
LFW = SHARED / "lfw/lfw-deepfunneled"


def demo_photo(n):
    return (DEMO / f"sample{n}.jpg").read_bytes()


class BeetrootServer:
    def __init__(self, extra_env=None, args=(), data=None, keys=None):
        """`data` and `keys` (id, secret) given: a restart on the storage of an earlier server."""
        self.data = data or tempfile.TemporaryDirectory(prefix="beetroot-api-")
        self.key_id, self.secret = keys or ("AKTEST" + secrets.token_hex(6).upper(), secrets.token_urlsafe(30))
        self.token = secrets.token_urlsafe(24)
        env = dict(os.environ, BEETROOT_DATA=self.data.name, BEETROOT_ACCESS_KEYS=f"{self.key_id}:{self.secret}",
                   BEETROOT_API_TOKEN=self.token)
        env.update(extra_env or {})
        self.log = open(pathlib.Path(self.data.name) / "server.log", "w+")
        self.process = subprocess.Popen([BINARY, "serve", "--port", "0", *args], env=env,
                                        stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"beetroot serve did not start: {line!r}\n{self.logs()}")
        self.url = line.split()[-1]

    def logs(self):
        self.log.flush()
        return (pathlib.Path(self.data.name) / "server.log").read_text()

    def client(self, secret=None, retries=False, **config):
        # No retries unless asked: a retry would hide a timeout or an error the test should see.
        # (botocore's "max_attempts" counts retries after the first; "total_max_attempts" counts all.)
        if not retries:
            config["retries"] = {"total_max_attempts": 1}
        return boto3.client("rekognition", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id=self.key_id, aws_secret_access_key=secret or self.secret,
                            config=Config(**config))

    def signed_call(self, operation, body, secret=None, signed_at=None, service="rekognition", path="/"):
        """Operations this boto3 predates (the users API): a request signed by botocore's own SigV4
        signer, sent as is. Returns (HTTP status, parsed JSON body)."""
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        if operation:
            headers["X-Amz-Target"] = "RekognitionService." + operation
        request = AWSRequest(method="POST", url=self.url + path, data=data, headers=headers)
        signer = botocore.auth.SigV4Auth(Credentials(self.key_id, secret or self.secret), service, "us-east-1")
        if signed_at is None:
            signer.add_auth(request)
        else:
            with mock.patch.object(botocore.auth.datetime, "datetime", wraps=datetime.datetime) as clock:
                clock.utcnow.return_value = signed_at
                signer.add_auth(request)
        return self.send(request.prepare())

    def send(self, prepared):
        raw = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST")
        try:
            with urllib.request.urlopen(raw, timeout=120) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def rest(self, method, path, body=None, token=None, headers=None, raw=None):
        """A People API call; returns (status, parsed JSON or None, response headers)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {token or self.token}", **({"Content-Type": "application/json"} if body is not None else {}),
            **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                payload = response.read()
                status, response_headers = response.status, response.headers
        except urllib.error.HTTPError as error:
            payload, status, response_headers = error.read(), error.code, error.headers
        is_json = response_headers.get("Content-Type", "").startswith("application/json")
        return status, (json.loads(payload) if is_json and payload else payload), response_headers

    def upload(self, files, token=None):
        """POST /api/photos with each (filename, bytes) as a multipart file field."""
        boundary = "beetroot" + secrets.token_hex(8)
        parts = []
        for name, data in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="{name}"\r\n'
                         f"Content-Type: image/jpeg\r\n\r\n".encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.rest("POST", "/api/photos", raw=body, token=token,
                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return response.status, response.read().decode()

    def rss_kib(self):
        for line in pathlib.Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self, keep_data=False):
        """SIGTERM; returns the exit status of a graceful shutdown."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=120)
        finally:
            self.process.stdout.close()
            self.log.close()
            if not keep_data:
                self.data.cleanup()


def wait_for(predicate, timeout=300, message="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {message}")
