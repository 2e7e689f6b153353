"""The Dagster UI over its GraphQL API: a real ``dagster-webserver`` on a free loopback port
against a temp ``DAGSTER_HOME`` lists the assets, the checks, the sensor and the schedule, and a
materialization launched through GraphQL (tables, their checks and the release) succeeds and
publishes a release. The server is stopped by its process ID.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipeline import schema
from publish_sample import REPO, free_port

pytestmark = pytest.mark.slow

WEBSERVER = Path(sys.executable).with_name("dagster-webserver")


def graphql(base: str, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(base + "/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        payload = json.loads(r.read())
    assert "errors" not in payload, payload["errors"]
    return payload["data"]


REPOS = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    name location { name }
    sensors { name } schedules { name } jobs { name }
    assetNodes { assetKey { path } }
} } } }
"""
CHECKS = """
query ($path: [String!]!) { assetNodeOrError(assetKey: {path: $path}) { ... on AssetNode {
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
} } }
"""
LAUNCH = """
mutation ($params: ExecutionParams!) { launchPipelineExecution(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
} }
"""
STATUS = """
query ($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }
"""


@pytest.fixture()
def webserver(tmp_path):
    if not WEBSERVER.exists():
        pytest.skip(f"dagster-webserver not found at {WEBSERVER}")
    home = tmp_path / "dagster_home"
    home.mkdir()
    # Launch runs right away (no daemon needed to dequeue them) and send no telemetry.
    (home / "dagster.yaml").write_text(
        "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\n"
        "telemetry:\n  enabled: false\n"
    )
    (tmp_path / "raw").mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home), "PIPELINE_RAW_DIR": str(tmp_path / "raw"),
           "PIPELINE_OUTPUT_DIR": str(tmp_path / "out")}
    port = free_port()
    log = open(tmp_path / "webserver.log", "w")
    proc = subprocess.Popen(
        [str(WEBSERVER), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "webserver.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(base + "/server_info", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "webserver did not start"
                time.sleep(0.5)
        yield base, tmp_path / "out"
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def test_ui_lists_everything_and_a_launched_release_succeeds(webserver):
    base, out = webserver
    repo = graphql(base, REPOS)["repositoriesOrError"]["nodes"][0]
    assets = {"/".join(a["assetKey"]["path"]) for a in repo["assetNodes"]}
    assert set(schema.TABLES) | {"release"} <= assets
    assert repo["sensors"] and repo["schedules"]
    assert "build_all" in {j["name"] for j in repo["jobs"]}
    checks = graphql(base, CHECKS, {"path": ["mentions"]})["assetNodeOrError"]["assetChecksOrError"]["checks"]
    by_name = {c["name"]: c["blocking"] for c in checks}
    assert by_name["offsets"] is True and by_name["foreign_keys"] is True and by_name["row_drop"] is False

    params = {
        "selector": {
            "repositoryLocationName": repo["location"]["name"],
            "repositoryName": repo["name"],
            "pipelineName": "build_all",
            "assetSelection": [{"path": [name]} for name in [*schema.TABLES, "release"]],
        },
        "runConfigData": {},
    }
    launched = graphql(base, LAUNCH, {"params": params})["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline = time.monotonic() + 180
    status = None
    while time.monotonic() < deadline:
        status = graphql(base, STATUS, {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(1)
    assert status == "SUCCESS"
    # no source registered: every table is empty, the checks pass, a first release is published
    assert (out / "latest" / "datapackage.json").exists()
    assert json.loads((out / "releases.json").read_text())["latest"]
