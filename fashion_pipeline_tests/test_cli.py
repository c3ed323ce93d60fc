import subprocess
import sys

from fashion_pipeline.cli import main
from fashion_pipeline.sample.writers import DVBPR_FILE, INSHOP_DIR, METADATA_FILE, REVIEWS_FILE


def test_sample_command_writes_the_real_file_names(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path), "--scale", "small", "--seed", "3"]) == 0
    for name in (REVIEWS_FILE, METADATA_FILE, DVBPR_FILE, INSHOP_DIR):
        assert (tmp_path / name).exists(), name
    assert (tmp_path / INSHOP_DIR / "Anno" / "list_bbox_inshop.txt").exists()
    assert "8,496 reviews" in capsys.readouterr().out


def test_demo_then_query_in_a_fresh_project(tmp_path):
    env = {"FASHION_PIPELINE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "DAGSTER_HOME": str(tmp_path / "dh")}
    demo = subprocess.run([sys.executable, "-m", "fashion_pipeline.cli", "demo"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "checks: 4 of 4 passed" in demo.stdout
    assert (tmp_path / "data" / "warehouse.duckdb").exists()
    assert (tmp_path / "dh" / "dagster.yaml").exists()
    query = subprocess.run([sys.executable, "-m", "fashion_pipeline.cli", "query",
                            "SELECT count(*) AS n FROM interactions"], env=env, capture_output=True, text=True)
    assert query.returncode == 0 and "8496" in query.stdout


def test_unknown_scale_is_a_clear_error(tmp_path, capsys):
    try:
        main(["sample", "--out", str(tmp_path), "--scale", "huge"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "invalid choice: 'huge'" in capsys.readouterr().err
