"""The project's DAGSTER_HOME: a dagster.yaml with telemetry off and run monitoring on.

Run monitoring (Dagster 1.13 `run_monitoring:` block, acted on by the daemon that `dagster dev`
starts) marks runs that hang in STARTING or CANCELING as failed, and fails a STARTED run that
exceeds `max_runtime_seconds`, so a run whose process was killed does not stay STARTED for ever.
The default run launcher cannot resume a run worker, so `max_resume_run_attempts` must be 0
(Dagster refuses to start an instance otherwise).

Runs the CLI executes in its own process are not watched by any daemon, and the default
launcher cannot tell whether their worker lives. Tag them with `run_owner_tags()`; then
`fail_orphaned_runs(instance)` marks as failed every STARTED/STARTING run whose process on this
host is gone (the CLI can call it before starting new runs).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from fashion_pipeline.sources.atomic import host_name, pid_alive, write_bytes

CONFIG_FILE = "dagster.yaml"
# Keys and defaults as documented for Dagster's `run_monitoring` instance setting.
RUN_MONITORING = {
    "enabled": True,
    "start_timeout_seconds": 180,  # STARTING longer than this -> failed
    "cancel_timeout_seconds": 180,  # CANCELING longer than this -> canceled
    "max_runtime_seconds": 24 * 3600,  # STARTED longer than a day -> failed (a full real-data run takes hours)
    "max_resume_run_attempts": 0,  # the default launcher cannot resume a run worker
    "poll_interval_seconds": 120,
}


def ensure_dagster_home(home: Path) -> Path:
    """Create `home` and its dagster.yaml (telemetry disabled, run monitoring enabled); return `home`.

    Settings someone added to an existing dagster.yaml are kept; only missing `telemetry` and
    `run_monitoring` keys are filled in (an explicit `telemetry.enabled: true` is respected too).
    Idempotent, and written atomically so a concurrent `dagster dev` never reads half a file.
    """
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    path = home / CONFIG_FILE
    current: dict = {}
    if path.exists():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML ({exc}); fix or delete it") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ValueError(f"{path}: expected a mapping of Dagster instance settings")
        current = loaded or {}
    wanted = dict(current)
    telemetry = dict(current.get("telemetry") or {})
    telemetry.setdefault("enabled", False)
    wanted["telemetry"] = telemetry
    monitoring = dict(current.get("run_monitoring") or {})
    for key, value in RUN_MONITORING.items():
        monitoring.setdefault(key, value)
    wanted["run_monitoring"] = monitoring
    if wanted != current or not path.exists():
        write_bytes(yaml.safe_dump(wanted, sort_keys=False).encode(), path)
    return home


def dagster_home_from_env(default: Path) -> Path:
    """DAGSTER_HOME from the environment (set to `default` when unset), prepared by ensure_dagster_home."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(default)))
    return ensure_dagster_home(home)


PID_TAG = "fashion_pipeline/pid"
HOST_TAG = "fashion_pipeline/host"


def run_owner_tags() -> dict[str, str]:
    """Tags naming the process that executes a run (pass them to materialize/execute_job)."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: host_name()}


def fail_orphaned_runs(instance) -> list[str]:
    """Mark as failed the STARTED/STARTING runs whose owning process (run_owner_tags) is dead.

    Returns their run ids. Runs without the tags, or owned by another host, are left alone.
    """
    import dagster as dg

    statuses = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]
    failed = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=statuses, tags={HOST_TAG: host_name()})):
        run = record.dagster_run
        pid = run.tags.get(PID_TAG, "")
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            instance.report_run_failed(run, message=f"the process that ran it (pid {pid}) is gone: killed or crashed")
            failed.append(run.run_id)
    return failed
