"""The real Dagster UI in headless Chromium: the asset graph shows the project's assets and a
materialization made from the command line."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pytest

from fashion_pipeline_tests.conftest import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent "
                                                       "(.ci/run installs Debian's chromium)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def webserver(small_sample, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "FASHION_RAW_DIR": str(small_sample),
           "FASHION_DATA_DIR": str(tmp_path / "data"), "FASHION_PIPELINE_HOME": str(tmp_path)}
    # a materialization recorded in that home, as `make demo` would leave one
    from fashion_pipeline.definitions import build_definitions
    from fashion_pipeline.defs.resources import FashionData

    defs = build_definitions(FashionData.for_folders(small_sample, tmp_path / "data"), str(tmp_path / "mlruns"))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert defs.resolve_job_def("ingestion_job").execute_in_process(instance=instance).success
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dagster_webserver", "-h", "127.0.0.1", "-p", str(port), "-w",
         str(PROJECT_ROOT / "workspace.yaml")],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(url + "/server_info", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("dagster-webserver did not answer within 120 s")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # only the server this test started, by its PID
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_asset_graph_shows_the_assets_and_a_materialization(webserver, tmp_path):
    from playwright.sync_api import sync_playwright

    from fashion_pipeline_tests.browser import CHROMIUM_ARGS, dismiss_dialogs

    shot = tmp_path / "asset_graph.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 900})
        # the asset graph: the project's groups, from raw files to recommendations
        page.goto(webserver + "/asset-groups", wait_until="networkidle")
        dismiss_dialogs(page)
        for group in ("raw", "ingestion", "models", "seasonal", "warehouse", "vision"):
            page.locator(f'[data-tooltip="{group}"]').first.wait_for(timeout=60_000)
        page.screenshot(path=str(tmp_path / "lineage.png"))
        # the catalogue: every asset, and the materialization the command-line run made; tall
        # enough that the list (virtualized: rows out of view are not rendered) shows them all
        page.set_viewport_size({"width": 1500, "height": 2600})
        page.goto(webserver + "/assets", wait_until="networkidle")
        dismiss_dialogs(page)
        for asset in ("interactions", "gmf_model", "user_recommendations", "seasonal_model", "similarity_index"):
            page.get_by_text(asset, exact=True).first.wait_for(timeout=60_000)
        # the catalogue's status column: what the command-line run materialized
        page.get_by_text("Materialized", exact=True).first.wait_for(timeout=60_000)
        page.get_by_text("Never materialized").first.wait_for(timeout=60_000)
        page.screenshot(path=str(shot))
        browser.close()
    assert shot.stat().st_size > 10_000
    if os.environ.get("SAVE_UI_SCREENSHOT"):
        shutil.copy(shot, PROJECT_ROOT / "docs" / "images" / "dagster_ui_catalog.png")
