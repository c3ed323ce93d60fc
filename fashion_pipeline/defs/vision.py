"""Vision assets: DeepFashion -> YOLO dataset -> detector; catalogue images -> features -> FAISS.

Thin: each reads its inputs, calls fashion_pipeline.vision, writes the artifact atomically and
reports counts and paths (all named by fashion_pipeline.layout).
"""

from pathlib import Path

import dagster as dg
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.defs.ingestion import products, reviews
from fashion_pipeline.defs.raw import raw_deepfashion, raw_dvbpr
from fashion_pipeline.defs.resources import FashionData
from fashion_pipeline.defs.tracking import MLflowTracking
from fashion_pipeline.sources.atomic import write_parquet

GROUP = "vision"


class DetectorDatasetConfig(dg.Config):
    max_train_images: int = 0  # 0 = every train image
    max_val_images: int = 2000  # 0 = all; the real val side has 26,830 images, too many to validate on a CPU


class ClothingDetectorConfig(dg.Config):
    model: str = "yolo11n.yaml"  # an architecture yaml (from scratch) or a local .pt to fine-tune
    epochs: int = 15  # see fashion_pipeline.vision.detector.DetectorConfig for what was measured
    imgsz: int = 128
    batch: int = 16
    device: str = "cpu"  # "0" = first CUDA GPU
    threads: int = 2


class ItemImagesConfig(dg.Config):
    folder: str = ""  # a folder of <asin>.jpg to use instead of the DVBPR .npy


class ImageFeaturesConfig(dg.Config):
    encoder: str = "efficientnet-lite0"  # see fashion_pipeline.vision.encoders
    encoder_weights: str = ""  # a local weights file, for encoders that need one (resnet50)
    detect: bool = True  # crop the detected garment first (whole image when none is found)
    conf: float = 0.25  # detector confidence threshold
    batch_size: int = 32
    threads: int = 2


class SimilarityIndexConfig(dg.Config):
    exact_max_items: int = 100_000  # exact search up to this many items, approximate above
    approximate: str = "hnsw"  # or "ivf"


class SimilarItemsConfig(dg.Config):
    k: int = 10


@dg.asset(deps=[raw_deepfashion], group_name=GROUP, kinds={"ultralytics", "yaml"})
def detector_dataset(context: dg.AssetExecutionContext, config: DetectorDatasetConfig,
                     fashion_data: FashionData) -> dg.MaterializeResult:
    """DeepFashion In-shop as a YOLO dataset: upper/lower/full-body boxes, train vs query+gallery."""
    from fashion_pipeline.vision.yolo_dataset import YoloDatasetConfig, build_yolo_dataset

    root = fashion_data.require(fashion_data.deepfashion_root, "DeepFashion In-shop folder", "FASHION_DEEPFASHION")
    layout = fashion_data.layout
    summary = build_yolo_dataset(root, layout.detector_dataset, YoloDatasetConfig(
        max_train_images=config.max_train_images or None, max_val_images=config.max_val_images or None))
    if summary.skipped:
        context.log.warning(f"{len(summary.skipped)} images skipped, e.g. {summary.skipped[:3]}")
    return dg.MaterializeResult(metadata={
        "train_images": summary.train_images, "val_images": summary.val_images,
        "skipped": len(summary.skipped), **{f"images {k}": v for k, v in summary.per_class.items()},
        "path": dg.MetadataValue.path(summary.data_yaml),
    })


@dg.asset(deps=[detector_dataset], group_name=GROUP, kinds={"pytorch", "mlflow"})
def clothing_detector(context: dg.AssetExecutionContext, config: ClothingDetectorConfig,
                      fashion_data: FashionData, mlflow_tracking: MLflowTracking) -> dg.MaterializeResult:
    """A YOLO garment detector trained offline on the dataset; validation mAP logged to MLflow."""
    from fashion_pipeline.vision.detector import DetectorConfig, train_detector
    from fashion_pipeline.vision.yolo_dataset import DATA_YAML

    layout = fashion_data.layout
    det_config = DetectorConfig(model=config.model, epochs=config.epochs, imgsz=config.imgsz, batch=config.batch,
                                device=config.device, threads=config.threads)
    result = train_detector(layout.detector_dataset / DATA_YAML, layout.detector_weights, det_config)
    context.log.info(f"detector: mAP50 {result.map50:.3f}, mAP50-95 {result.map50_95:.3f} in {result.seconds:.0f}s")
    with mlflow_tracking.run(run_name="clothing_detector",
                             tags={"model": "clothing_detector", "dagster_run_id": context.run_id}) as mlflow:
        mlflow.log_params({"model": config.model, "epochs": config.epochs, "imgsz": config.imgsz,
                           "batch": config.batch, "device": config.device})
        mlflow.log_metrics({"mAP50": result.map50, "mAP50_95": result.map50_95, "train_seconds": result.seconds})
        mlflow.log_artifact(result.weights, artifact_path="detector")
        run_id = mlflow.active_run().info.run_id
    return dg.MaterializeResult(metadata={
        "mAP50": round(result.map50, 4), "mAP50-95": round(result.map50_95, 4),
        "train_seconds": round(result.seconds, 1), "epochs": result.epochs, "mlflow_run_id": run_id,
        "path": dg.MetadataValue.path(result.weights),
    })


@dg.asset(deps=[raw_dvbpr, products], group_name=GROUP, kinds={"numpy", "parquet"})
def item_images(context: dg.AssetExecutionContext, config: ItemImagesConfig,
                fashion_data: FashionData) -> dg.MaterializeResult:
    """Every catalogue image decoded once; the undecodable ones counted and listed with their error."""
    from fashion_pipeline.vision.item_images import images_from_dvbpr, images_from_folder

    layout = fashion_data.layout
    if config.folder:
        result = images_from_folder(config.folder, layout.item_images)
    else:
        source = fashion_data.require(fashion_data.dvbpr_path, "DVBPR .npy", "FASHION_DVBPR")
        asins = pl.read_parquet(fashion_data.layout.parsed("products"), columns=[C.ITEM_ID])[C.ITEM_ID].to_list()
        result = images_from_dvbpr(source, layout.item_images, catalogue_asins=asins)
    failed = result.failed
    if failed.height:
        context.log.warning(f"{failed.height} images could not be decoded: {failed[C.ITEM_ID].head(5).to_list()}")
    return dg.MaterializeResult(metadata={
        "images": result.decodable.height, "undecodable": failed.height,
        "undecodable_ids": dg.MetadataValue.json(failed[C.ITEM_ID].head(100).to_list()),
        "path": dg.MetadataValue.path(str(layout.item_images)),
    })


@dg.asset(deps=[item_images, clothing_detector], group_name=GROUP, kinds={"pytorch", "hdf5"})
def image_features(context: dg.AssetExecutionContext, config: ImageFeaturesConfig,
                   fashion_data: FashionData) -> dg.MaterializeResult:
    """One unit vector per item image: detected garment crop (or whole image) through the encoder."""
    from fashion_pipeline.vision.detector import DetectorOptions, load_detector
    from fashion_pipeline.vision.embedder import EmbedConfig, ImageEmbedder
    from fashion_pipeline.vision.encoders import load_encoder
    from fashion_pipeline.vision.features import update_features
    from fashion_pipeline.vision.item_images import PATH, read_item_images

    layout = fashion_data.layout
    images = read_item_images(layout.item_images).decodable
    detector = load_detector(layout.detector_weights, threads=config.threads) if config.detect else None
    embedder = ImageEmbedder(
        load_encoder(config.encoder, config.encoder_weights or None, config.threads), detector=detector,
        detector_weights=str(layout.detector_weights) if config.detect else None,
        config=EmbedConfig(batch_size=config.batch_size, detector=DetectorOptions(conf=config.conf)))
    stats = update_features(layout.image_features, images[C.ITEM_ID].to_list(), images[PATH].to_list(), embedder,
                            on_progress=lambda done, total: context.log.info(f"embedded {done}/{total}"))
    return dg.MaterializeResult(metadata={
        "items": stats.total, "embedded_now": stats.embedded, "reused": stats.reused,
        "reembedded_all": stats.reembedded_all, "encoder": config.encoder, "dim": embedder.encoder.dim,
        "images_per_s": round(stats.embedded / stats.seconds_embedding, 2) if stats.seconds_embedding else 0.0,
        "path": dg.MetadataValue.path(str(layout.image_features)),
    })


@dg.asset(deps=[image_features], group_name=GROUP, kinds={"faiss"})
def similarity_index(config: SimilarityIndexConfig, fashion_data: FashionData) -> dg.MaterializeResult:
    """FAISS inner-product index over the image features (exact when small), with its id map."""
    import time

    from fashion_pipeline.vision.features import read_features
    from fashion_pipeline.vision.index import IndexConfig, build_index, index_kind, save_index

    layout = fashion_data.layout
    features = read_features(layout.image_features)
    index_config = IndexConfig(exact_max_items=config.exact_max_items, approximate=config.approximate)
    start = time.perf_counter()
    index = build_index(features.vectors, index_config)
    seconds = time.perf_counter() - start
    save_index(index, features.ids, layout.similarity_index, index_config)
    return dg.MaterializeResult(metadata={
        "items": index.ntotal, "kind": index_kind(index.ntotal, index_config), "build_seconds": round(seconds, 3),
        "encoder": str(features.attrs.get("encoder")), "path": dg.MetadataValue.path(str(layout.similarity_index)),
    })


@dg.asset(deps=[similarity_index], group_name=GROUP, kinds={"faiss", "parquet"})
def similar_items(config: SimilarItemsConfig, fashion_data: FashionData) -> dg.MaterializeResult:
    """The k most visually similar items of every item (itself excluded), with cosine scores."""
    from fashion_pipeline.vision.features import read_features
    from fashion_pipeline.vision.index import load_index, similar_items as top_k

    layout = fashion_data.layout
    index, ids = load_index(layout.similarity_index)
    features = read_features(layout.image_features)
    if features.ids.tolist() != ids.tolist():
        raise RuntimeError("image_features changed since similarity_index was built: materialize similarity_index")
    table = top_k(index, ids, features.vectors, k=config.k)
    write_parquet(table, layout.similar_items)
    return dg.MaterializeResult(metadata={
        "rows": table.height, "items": table[C.ITEM_ID].n_unique(),
        "mean_score": round(float(table[C.SCORE].mean() or 0.0), 4),
        "path": dg.MetadataValue.path(str(layout.similar_items)),
    })


VISION_ASSETS = [detector_dataset, clothing_detector, item_images, image_features, similarity_index, similar_items]
