"""A job that child processes can rebuild from an import path (what the multiprocess, Celery and
Kubernetes executors need): the same Definitions, configured through environment variables."""


def ingestion_job():
    from fashion_pipeline.definitions import build_definitions
    from fashion_pipeline.defs.resources import FashionData

    return build_definitions(FashionData.from_env()).resolve_job_def("ingestion_job")
