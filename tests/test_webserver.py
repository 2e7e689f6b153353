"""The Dagster UI: a real webserver on a free loopback port, driven through its GraphQL API.

Starts ``dagster-webserver -w workspace.yaml`` against a temporary
``DAGSTER_HOME`` (runs launched immediately, no daemon: the sensor and the
schedule are listed but do not tick), lists the assets, checks, sensor and
schedule, registers a partition, launches ``build_all`` over it and waits for
the run to succeed, then stops the server by its process group ID.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dagster_instance import fast_temp_dir
from pipeline import schema

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "raw" / "hangzhou_deepseek.txt"
LOCATION = "pipeline.definitions"
REPOSITORY = "__repository__"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port: int, proc: subprocess.Popen, log: Path):
        self.port, self.proc, self.log = port, proc, log

    def gql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            data = json.loads(resp.read())
        assert "errors" not in data, data["errors"]
        return data["data"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("ui")
    home, raw, out = fast_temp_dir("ui-home-"), base / "raw", base / "outputs"
    raw.mkdir()
    shutil.copy(SAMPLE, raw)
    (home / "dagster.yaml").write_text(
        "run_coordinator:\n"
        "  module: dagster._core.run_coordinator.default_run_coordinator\n"
        "  class: DefaultRunCoordinator\n"
        "telemetry:\n  enabled: false\n",
        encoding="utf-8",
    )
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "PIPELINE_RAW_DIR": str(raw),
        "PIPELINE_OUTPUT_DIR": str(out),
        "PYTHONPATH": str(REPO),
    }
    webserver = Path(sys.executable).with_name("dagster-webserver")
    log = base / "webserver.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [str(webserver), "-w", str(REPO / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
        )
    srv = Server(port, proc, log)
    try:
        deadline = time.time() + 120
        while True:
            try:
                srv.gql("{ version }")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"webserver did not start:\n{log.read_text()[-3000:]}")
                time.sleep(1)
        srv.out = out
        yield srv
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and its code server, by process group
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        shutil.rmtree(home, ignore_errors=True)


def test_lists_assets_checks_sensor_schedule(server):
    data = server.gql(
        "{ assetNodes { assetKey { path } isPartitioned"
        "  assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }"
    )
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    expected = {"source_documents", "document_segments", "document_extractions", "release", *schema.TABLES}
    assert expected <= set(nodes)
    assert nodes["source_documents"]["isPartitioned"] and not nodes["documents"]["isPartitioned"]
    checks = {
        (key, c["name"]): c["blocking"]
        for key, n in nodes.items()
        for c in (n["assetChecksOrError"] or {}).get("checks", [])
    }
    assert checks, "no asset checks listed"
    assert any(blocking for blocking in checks.values()), "no blocking check"

    data = server.gql(
        "{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError {"
        " ... on RepositoryLocation { repositories { name jobs { name }"
        " sensors { name sensorState { status } } schedules { name cronSchedule scheduleState { status } } } }"
        " ... on PythonError { message } } } } } }"
    )
    (entry,) = [e for e in data["workspaceOrError"]["locationEntries"] if e["name"] == LOCATION]
    (repo,) = entry["locationOrLoadError"]["repositories"]
    assert "build_all" in {j["name"] for j in repo["jobs"]}
    assert {s["name"]: s["sensorState"]["status"] for s in repo["sensors"]} == {"raw_sources_sensor": "RUNNING"}
    (schedule,) = repo["schedules"]
    assert schedule["name"] == "daily_rebuild" and schedule["cronSchedule"] == "0 3 * * *"


def test_launch_materialization_and_wait(server):
    selector = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}
    added = server.gql(
        "mutation($sel: RepositorySelector!) { addDynamicPartition(partitionsDefName: \"sources\","
        " partitionKey: \"hangzhou_deepseek.txt\", repositorySelector: $sel) {"
        " __typename ... on PythonError { message } } }",
        {"sel": selector},
    )
    assert added["addDynamicPartition"]["__typename"] == "AddDynamicPartitionSuccess", added
    launched = server.gql(
        "mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {"
        " __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }"
        " ... on InvalidSubsetError { message } ... on RunConfigValidationInvalid { errors { message } } } }",
        {"p": {
            "selector": {**selector, "jobName": "build_all"},
            "runConfigData": {},
            "executionMetadata": {"tags": [
                {"key": "dagster/asset_partition_range_start", "value": "hangzhou_deepseek.txt"},
                {"key": "dagster/asset_partition_range_end", "value": "hangzhou_deepseek.txt"},
            ]},
        }},
    )
    result = launched["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    run_id = result["run"]["runId"]
    deadline = time.time() + 300
    status = None
    while time.time() < deadline:
        status = server.gql(
            "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id}
        )["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(2)
    assert status == "SUCCESS", f"run {run_id} ended {status}"
    mats = server.gql(
        "{ assetOrError(assetKey: {path: [\"release\"]}) { ... on Asset {"
        " assetMaterializations(limit: 1) { runId metadataEntries { label } } } } }"
    )["assetOrError"]["assetMaterializations"]
    assert mats and mats[0]["runId"] == run_id
    labels = {e["label"] for e in mats[0]["metadataEntries"]}
    assert {"version", "path", "published", "row_counts"} <= labels
    assert (server.out / "latest" / "documents.parquet").exists()
