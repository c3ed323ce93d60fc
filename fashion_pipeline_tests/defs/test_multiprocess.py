import dagster as dg
import pytest

from fashion_pipeline_tests.defs.multiprocess_target import ingestion_job


@pytest.mark.slow  # each step process imports the project: about a minute on 2 cores
def test_the_same_definitions_run_on_the_multiprocess_executor(small_sample, tmp_path, monkeypatch):
    monkeypatch.setenv("FASHION_RAW_DIR", str(small_sample))
    monkeypatch.setenv("FASHION_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        result = dg.execute_job(
            dg.reconstructable(ingestion_job), instance=instance,
            run_config={"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}})
        assert result.success
        starts = [e for e in result.all_events if e.event_type_value == "STEP_START"]
        run_pid = {e.pid for e in result.all_events if e.event_type_value == "RUN_START"}
    step_pids = {e.pid for e in starts}
    assert len(starts) == 8  # 4 assets and their 4 checks
    assert len(step_pids) == len(starts) and not (step_pids & run_pid)  # each step in a process of its own
    assert (tmp_path / "data" / "warehouse.duckdb").exists()
