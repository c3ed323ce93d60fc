"""Temporaries a killed run leaves behind are removed by the next write of the same artifact."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import polars as pl

from fashion_pipeline.sources.atomic import host_name, atomic_path, write_parquet


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temp_names_carry_host_and_pid(tmp_path):
    target = tmp_path / "reviews.parquet"
    with atomic_path(target) as tmp:
        assert tmp.name.startswith(f".reviews.parquet.{host_name()}.{os.getpid()}.") and tmp.name.endswith(".tmp")
        tmp.write_bytes(b"x")
    assert target.read_bytes() == b"x" and not list(tmp_path.glob(".*.tmp"))


def test_stale_temp_of_a_dead_process_is_removed(tmp_path):
    target = tmp_path / "validation.pt"
    target.write_bytes(b"earlier weights")
    dead = tmp_path / f".validation.pt.{host_name()}.{_dead_pid()}.0badc0de.tmp"
    alive = tmp_path / f".validation.pt.{host_name()}.{os.getppid()}.0badc0de.tmp"  # a running process's write
    other_host = tmp_path / f".validation.pt.elsewhere.{_dead_pid()}.0badc0de.tmp"  # cannot judge: kept
    old_legacy = tmp_path / ".validation.pt.k3j4h5g6.tmp"  # written before temp names carried a pid
    new_legacy = tmp_path / ".validation.pt.a1b2c3d4.tmp"
    other_artifact = tmp_path / f".items.parquet.{host_name()}.{_dead_pid()}.0badc0de.tmp"
    for p in (dead, alive, other_host, old_legacy, new_legacy, other_artifact):
        p.write_bytes(b"half-written")
    two_hours_ago = time.time() - 7200
    os.utime(old_legacy, (two_hours_ago, two_hours_ago))

    write_parquet(pl.DataFrame({"a": [1]}), target)
    assert not dead.exists() and not old_legacy.exists()
    assert alive.exists() and other_host.exists() and new_legacy.exists()
    assert other_artifact.exists()  # only the artifact being written is cleaned
    assert pl.read_parquet(target)["a"].to_list() == [1]


def test_a_failed_write_leaves_the_earlier_artifact_and_no_temp(tmp_path):
    target = tmp_path / "products.parquet"
    write_parquet(pl.DataFrame({"a": [1]}), target)
    before = target.read_bytes()
    try:
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("killed mid-write")
    except RuntimeError:
        pass
    assert target.read_bytes() == before and not list(tmp_path.glob(".*.tmp"))
