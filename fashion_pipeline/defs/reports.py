"""recommendation_report: a picture of one user's purchases and recommendations, in the UI."""

import dagster as dg

from fashion_pipeline.defs.recommendations import user_recommendations
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.serving.queries import busiest_user
from fashion_pipeline.serving.reports import thumbnail_markdown, write_user_report_files

GROUP = "sense"


@dg.asset(deps=[user_recommendations], group_name=GROUP, kinds={"png", "html"})
def recommendation_report(fashion_data: FashionData) -> dg.MaterializeResult:
    """A picture of one user's purchases and recommendations (the user with the most purchases)."""
    layout = fashion_data.layout
    user = busiest_user(layout.warehouse)
    png, page = write_user_report_files(layout, fashion_data.dvbpr_path, user)
    return dg.MaterializeResult(metadata={
        "user": user, "path": dg.MetadataValue.path(str(png)), "html": dg.MetadataValue.path(str(page)),
        "report": dg.MetadataValue.md(thumbnail_markdown(png)),
    })
