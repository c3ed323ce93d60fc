"""The DAGSTER_HOME the project writes: telemetry off, run monitoring on, valid for Dagster 1.13."""

from __future__ import annotations

import yaml

from fashion_pipeline.dagster_home import ensure_dagster_home


def test_dagster_yaml_enables_run_monitoring_and_loads(tmp_path):
    from dagster import DagsterInstance

    home = ensure_dagster_home(tmp_path / "dagster_home")
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert config["telemetry"] == {"enabled": False}
    assert config["run_monitoring"]["enabled"] is True and config["run_monitoring"]["max_resume_run_attempts"] == 0
    with DagsterInstance.from_config(str(home)) as instance:  # Dagster validates the keys
        assert instance.run_monitoring_enabled
        assert not instance.telemetry_enabled
        assert instance.run_monitoring_max_runtime_seconds == 24 * 3600


def test_an_old_dagster_yaml_is_upgraded_keeping_its_settings(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nrun_queue:\n  max_concurrent_runs: 2\n")
    ensure_dagster_home(home)
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert config["run_queue"] == {"max_concurrent_runs": 2} and config["run_monitoring"]["enabled"] is True
    before = (home / "dagster.yaml").read_bytes()
    ensure_dagster_home(home)
    assert (home / "dagster.yaml").read_bytes() == before  # idempotent


def test_runs_of_a_killed_process_are_marked_failed(tmp_path):
    import subprocess
    import sys

    import dagster as dg

    from fashion_pipeline.dagster_home import HOST_TAG, PID_TAG, fail_orphaned_runs, run_owner_tags

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    with dg.DagsterInstance.ephemeral() as instance:
        dead = instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", status=dg.DagsterRunStatus.STARTED,
                                              tags={**run_owner_tags(), PID_TAG: str(proc.pid)}))
        alive = instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", status=dg.DagsterRunStatus.STARTED,
                                               tags=run_owner_tags()))
        elsewhere = instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", status=dg.DagsterRunStatus.STARTED,
                                                   tags={PID_TAG: str(proc.pid), HOST_TAG: "another-host"}))
        assert fail_orphaned_runs(instance) == [dead.run_id]
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.STARTED
        assert instance.get_run_by_id(elsewhere.run_id).status == dg.DagsterRunStatus.STARTED
