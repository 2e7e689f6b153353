"""The Dagster UI: a real webserver on a free loopback port, through GraphQL and a real browser.

Starts ``dagster-webserver -w workspace.yaml`` against a temporary
``DAGSTER_HOME`` (runs launched immediately, no daemon: the sensor and the
schedule are listed but do not tick), lists the assets, checks, sensor and
schedule, launches ``build_all`` with the launchpad's default config and waits
for the run to succeed; then headless Chromium (Debian's ``chromium`` and
``chromium-driver``, driven by Selenium) opens the asset graph after a new
article was dropped into the raw folder, clicks "Materialize all", and the run
it launched must publish a release holding that article. The server is stopped
by its process group ID.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dagster_instance import fast_temp_dir
from pipeline import schema
from conftest import REPO, SAMPLE, free_port

NEW_ARTICLE = (
    "# 合肥新能源汽车产业再添新项目\n\n"
    "2024年，合肥市包河区与蔚来汽车签约建设新的研发中心。蔚来创始人李斌表示，"
    "该中心将聚集2000名工程师，计划投资50亿元。\n"
)
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOCATION = "pipeline.definitions"
REPOSITORY = "__repository__"

pytestmark = pytest.mark.slow


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
    port = free_port()
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
        srv.out, srv.raw = out, raw
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
    assert set(nodes) == {"sources", "release", "source_snapshots", *schema.TABLES}
    assert not any(n["isPartitioned"] for n in nodes.values())  # "Materialize all" needs no partition
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
    schedules = {s["name"]: s["cronSchedule"] for s in repo["schedules"]}
    assert schedules == {"daily_rebuild": "0 3 * * *", "snapshot_schedule": "15 */6 * * *"}


def _wait_for_run(server, run_id: str, timeout: float = 300) -> str:
    deadline = time.time() + timeout
    status = None
    while time.time() < deadline:
        status = server.gql(
            "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id}
        )["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(1)
    return status


def _latest_release_materialization(server) -> dict:
    mats = server.gql(
        "{ assetOrError(assetKey: {path: [\"release\"]}) { ... on Asset {"
        " assetMaterializations(limit: 1) { runId metadataEntries { label } } } } }"
    )["assetOrError"]["assetMaterializations"]
    return mats[0] if mats else {}


def test_launchpad_default_config_launches_and_succeeds(server):
    import yaml

    job = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "pipelineName": "build_all"}
    default = server.gql(
        "query($s: PipelineSelector!) { runConfigSchemaOrError(selector: $s) {"
        " ... on RunConfigSchema { rootDefaultYaml } } }", {"s": job}
    )["runConfigSchemaOrError"]["rootDefaultYaml"]
    config = yaml.safe_load(default)
    assert config["ops"]["sources"]["config"] == {"rebuild": []}
    assert config["resources"]["pipeline"]["config"]["allow_shrink"] is False
    launched = server.gql(
        "mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {"
        " __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }"
        " ... on RunConfigValidationInvalid { errors { message } } } }",
        {"p": {"selector": {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "jobName": "build_all"},
               "runConfigData": default}},
    )["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    assert _wait_for_run(server, run_id) == "SUCCESS"
    mat = _latest_release_materialization(server)
    assert mat["runId"] == run_id
    assert {"version", "path", "published", "row_counts", "preview_documents"} <= {e["label"] for e in mat["metadataEntries"]}
    assert (server.out / "latest" / "documents.parquet").exists()


@pytest.mark.skipif(not (Path(CHROMEDRIVER).exists() and Path(CHROMIUM).exists()),
                    reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)")
def test_browser_materialize_all_builds_a_new_article(server):
    """A new article dropped into raw/, one click on "Materialize all": one run, a release holding it."""
    import pyarrow.parquet as pq
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    (server.raw / "hefei_nio.md").write_text(NEW_ARTICLE, encoding="utf-8")
    runs_before = {r["runId"] for r in server.gql("{ runsOrError { ... on Runs { results { runId } } } }")["runsOrError"]["results"]}
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1600,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        driver.get(f"http://127.0.0.1:{server.port}/asset-groups")  # the global asset lineage
        wait = WebDriverWait(driver, 90)
        materialize = "//button[normalize-space()='Materialize all']"
        wait.until(ec.element_to_be_clickable((By.XPATH, materialize)))
        time.sleep(1)  # a first visit opens a "join the community" dialog over the graph
        for skip in driver.find_elements(By.XPATH, "//button[normalize-space()='Skip']"):
            skip.click()
        wait.until(ec.invisibility_of_element_located((By.XPATH, "//button[normalize-space()='Skip']")))
        driver.find_element(By.XPATH, materialize).click()
        # the UI confirms with a toast naming the run it launched (no partition dialog)
        toast = wait.until(ec.visibility_of_element_located((By.XPATH, "//*[contains(text(), 'Launched run')]")))
        assert "Launched run" in toast.text
    finally:
        driver.quit()
    new_runs = [r for r in server.gql("{ runsOrError { ... on Runs { results { runId } } } }")["runsOrError"]["results"]
                if r["runId"] not in runs_before]
    assert len(new_runs) == 1, new_runs  # one click, one run
    assert _wait_for_run(server, new_runs[0]["runId"]) == "SUCCESS"
    assert _latest_release_materialization(server)["runId"] == new_runs[0]["runId"]
    docs = pq.read_table(server.out / "latest" / "documents.parquet")
    assert "hefei_nio.md" in docs["source_path"].to_pylist()
