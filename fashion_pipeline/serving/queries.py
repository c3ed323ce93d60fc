"""Every read-only question the CLI, the demo and the reports ask the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fashion_pipeline import columns as C
from fashion_pipeline.serving.readonly import connect_readonly
from fashion_pipeline.serving.warehouse import (
    INTERACTION_DETAILS, INTERACTIONS, USER_RECOMMENDATION_DETAILS, USER_RECOMMENDATIONS,
)


def open_warehouse(warehouse: Path):
    """A guarded read-only connection (serving.readonly): waits briefly while a step writes."""
    return connect_readonly(Path(warehouse))


def busiest_user(warehouse: Path) -> str:
    """The user with the most purchases (ties: the smallest id): the demo's and report's example."""
    with open_warehouse(warehouse) as conn:
        return conn.execute(f"SELECT {C.USER_ID} FROM {INTERACTIONS} GROUP BY 1 ORDER BY count(*) DESC, 1 "
                            "LIMIT 1").fetchone()[0]


def top_category_colours(warehouse: Path, n: int = 5) -> list[tuple[str, str, int]]:
    """(category, colour, purchases) of the most bought pairs."""
    with open_warehouse(warehouse) as conn:
        return conn.execute(
            f"SELECT {C.CATEGORY}, {C.COLOUR}, count(*) AS purchases FROM {INTERACTION_DETAILS} "
            "GROUP BY ALL ORDER BY purchases DESC LIMIT ?", [n]).fetchall()


def recent_purchases(warehouse: Path, user: str, n: int) -> list[tuple[str, str | None, str | None]]:
    """(asin, title, colour) of the user's latest purchases, newest first."""
    with open_warehouse(warehouse) as conn:
        return conn.execute(
            f"SELECT {C.ITEM_ID}, {C.TITLE}, {C.COLOUR} FROM {INTERACTION_DETAILS} WHERE {C.USER_ID} = ? "
            f"ORDER BY {C.TIMESTAMP} DESC, {C.LINE_NUMBER} DESC LIMIT ?", [user, n]).fetchall()


@dataclass
class StoredRecommendation:
    rank: int
    asin: str
    score: float
    model: str
    title: str | None
    colour: str | None
    occasion: str | None
    reranked: bool
    reason: str


def stored_recommendations(warehouse: Path, user: str, k: int) -> list[StoredRecommendation]:
    """The user's top-k rows of user_recommendations with product details; [] for an unknown user."""
    with open_warehouse(warehouse) as conn:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if USER_RECOMMENDATIONS not in tables:
            raise FileNotFoundError(f"{warehouse} has no {USER_RECOMMENDATIONS} yet: materialize it (make demo)")
        columns = {r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name = ?", [USER_RECOMMENDATION_DETAILS]).fetchall()}
        # tables written before the re-ranker existed have no reason column
        reason = f"coalesce({C.RERANK_REASON}, '')" if C.RERANK_REASON in columns else "''"
        reranked = f"coalesce(bool_or({C.RERANKED}) OVER (), false)" if C.RERANKED in columns else "false"
        optional = {c: c if c in columns else "NULL" for c in (C.COLOUR, C.OCCASION)}
        rows = conn.execute(
            f"SELECT {C.RANK}, {C.ITEM_ID}, {C.SCORE}, {C.MODEL}, {C.TITLE}, {optional[C.COLOUR]}, "
            f"{optional[C.OCCASION]}, {reranked}, {reason} FROM {USER_RECOMMENDATION_DETAILS} "
            f"WHERE {C.USER_ID} = ? AND {C.RANK} <= ? ORDER BY {C.RANK}", [user, k]).fetchall()
    return [StoredRecommendation(*row) for row in rows]


def popular_items(warehouse: Path, k: int) -> list[tuple[str, str | None, int]]:
    """(asin, title, buyers) of the k most bought items: the answer for someone we do not know."""
    with open_warehouse(warehouse) as conn:
        return conn.execute(
            f"SELECT {C.ITEM_ID}, any_value({C.TITLE}), count(*) AS n FROM {INTERACTION_DETAILS} "
            f"GROUP BY {C.ITEM_ID} ORDER BY n DESC, {C.ITEM_ID} LIMIT ?", [k]).fetchall()
