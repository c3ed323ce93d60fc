import json
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
    # the vision part (detector training) is covered by the slow vision/test_demo_vision.py
    demo = subprocess.run([sys.executable, "-m", "fashion_pipeline.cli", "demo", "--no-vision"], env=env,
                          capture_output=True, text=True, timeout=3600)  # catches a hang, not slowness
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "checks: 5 of 5 passed" in demo.stdout
    assert "top-10 recommendation" in demo.stdout
    assert (tmp_path / "data" / "warehouse.duckdb").exists()
    assert (tmp_path / "dh" / "dagster.yaml").exists()
    query = subprocess.run([sys.executable, "-m", "fashion_pipeline.cli", "query",
                            "SELECT count(*) AS n FROM interactions"], env=env, capture_output=True, text=True)
    assert query.returncode == 0 and "8496" in query.stdout
    assert "A picture of that user's purchases and recommendations:" in demo.stdout
    user = demo.stdout.split("User ", 1)[1].split(" ", 1)[0]
    formal = subprocess.run([sys.executable, "-m", "fashion_pipeline.cli", "recommend", "--user", user, "--occasion",
                             "formal", "-k", "5"], env=env, capture_output=True, text=True)
    assert formal.returncode == 0, formal.stderr[-2000:]
    assert formal.stdout.count("among formal items") == 5
    report = subprocess.run([sys.executable, "-m", "fashion_pipeline.cli", "report", "--user", user], env=env,
                            capture_output=True, text=True)
    assert report.returncode == 0, report.stderr[-2000:]
    assert (tmp_path / "data" / "reports" / f"user_{user}.png").exists()


def test_unknown_scale_is_a_clear_error(tmp_path, capsys):
    try:
        main(["sample", "--out", str(tmp_path), "--scale", "huge"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "invalid choice: 'huge'" in capsys.readouterr().err


def test_recommend_known_and_unknown_users(tiny_warehouse, capsys):
    db = tiny_warehouse
    assert main(["recommend", "--user", "U1", "--warehouse", str(db)]) == 0
    out = capsys.readouterr().out
    assert "User U1's top-1 recommendation (gmf)" in out and "B1  Red Dress" in out
    assert main(["recommend", "--user", "NOPE", "--warehouse", str(db)]) == 0
    out = capsys.readouterr().out
    assert "not in the training data" in out and "B1  Red Dress  [1 buyers]" in out


def test_evaluate_writes_the_agreed_json_shape(small_sample, tmp_path, capsys):
    out = tmp_path / "metrics.json"
    assert main(["evaluate", "--reviews", str(small_sample / REVIEWS_FILE), "--models", "popularity,gmf",
                 "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["dataset"] == {"users": 1200, "items": 500, "interactions": 8496}
    assert set(report["models"]) == {"popularity", "gmf"}
    for metrics in report["models"].values():
        for key in ("hr@10", "ndcg@10", "recall@20", "ndcg@20", "hr@10_sampled", "ndcg@10_sampled", "fit_seconds"):
            assert isinstance(metrics[key], float), key
    assert "gmf [validation] epoch 1" in capsys.readouterr().err  # progress per model, per epoch


def test_evaluate_rejects_unknown_models(small_sample, capsys):
    assert main(["evaluate", "--reviews", str(small_sample / REVIEWS_FILE), "--models", "knn"]) == 2
    assert "unknown model(s) knn" in capsys.readouterr().err


def test_evaluate_reports_beyond_accuracy_and_reranked_models(small_sample, tmp_path, capsys):
    out = tmp_path / "metrics.json"
    assert main(["evaluate", "--reviews", str(small_sample / REVIEWS_FILE), "--models", "popularity,popularity+rerank",
                 "--metadata", str(small_sample / METADATA_FILE), "--images", str(small_sample / DVBPR_FILE),
                 "--out", str(out)]) == 0
    models = json.loads(out.read_text())["models"]
    assert set(models) == {"popularity", "popularity+rerank"}
    for metrics in models.values():
        for key in ("ndcg@10", "repeat_rate", "intra_list_diversity", "coverage", "novelty"):
            assert isinstance(metrics[key], float), key
    plain, reranked = models["popularity"], models["popularity+rerank"]
    assert reranked["repeat_rate"] <= plain["repeat_rate"]
    assert reranked["intra_list_diversity"] > plain["intra_list_diversity"]  # MMR spreads the list
    assert main(["evaluate", "--reviews", str(small_sample / REVIEWS_FILE), "--models", "gmf+rerank"]) == 2
    assert "--metadata" in capsys.readouterr().err


def test_evaluate_all_with_a_config_file_names_the_champion(small_sample, tmp_path, capsys):
    from fashion_pipeline.recsys.registry import MODEL_NAMES
    from fashion_pipeline.serving.champion import choose_champion

    config = tmp_path / "models.toml"
    config.write_text("[ease]\nlambdas = [20.0, 200.0]\n[blend]\nweights = [0.0, 0.5, 1.0]\n"
                      + "".join(f"[{m}.train]\nepochs = 1\ndevice = 'cpu'\n" for m in ("gmf", "mlp", "neumf", "sasrec")))
    out = tmp_path / "metrics.json"
    assert main(["evaluate", "--reviews", str(small_sample / REVIEWS_FILE), "--models", "all", "--config", str(config),
                 "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    models = report["models"]
    assert tuple(models) == MODEL_NAMES  # every registry model, the blends included
    assert models["ease"]["chosen"]["lambda"] in (20.0, 200.0) and models["ease"]["params"]["lambdas"] == [20.0, 200.0]
    assert models["sasrec+ease"]["chosen"]["weight"] in (0.0, 0.5, 1.0)
    assert models["sasrec"]["params"]["train.epochs"] == 1
    champion = report["champion"]
    assert champion["name"] == choose_champion(models)["name"] != "popularity"
    assert champion["validation_ndcg@10"] == max(m["validation"]["ndcg@10"] for n, m in models.items()
                                                 if n != "popularity")
    err = capsys.readouterr().err
    assert "sasrec [validation] epoch 1: loss" in err and "s), val ndcg@10" in err  # per epoch, with seconds
    assert "ease [validation] lambda 20:" in err and "sasrec+ease [validation] weight 0.5:" in err


def test_evaluate_refuses_unknown_config_keys(small_sample, tmp_path, capsys):
    config = tmp_path / "models.yaml"
    config.write_text("sasrec:\n  dropuot: 0.1\n")
    assert main(["evaluate", "--reviews", str(small_sample / REVIEWS_FILE), "--models", "ease",
                 "--config", str(config)]) == 2
    assert "unknown setting(s) sasrec.dropuot" in capsys.readouterr().err


def test_the_cli_holds_no_sql():
    """Commands parse and call the library; every query lives in fashion_pipeline/serving."""
    import re
    from pathlib import Path

    import fashion_pipeline.cli as cli

    sql = re.compile(r"\b(SELECT|INSERT|CREATE|DELETE|UPDATE|DROP)\b\s+[\w*(]", re.IGNORECASE)
    found = [f"{p.name}:{n}" for p in Path(cli.__file__).parent.glob("*.py")
             for n, line in enumerate(p.read_text().splitlines(), 1)
             if sql.search(line) and "query \"SELECT" not in line]
    assert not found, found
