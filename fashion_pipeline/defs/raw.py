"""The raw files, as external assets: Dagster shows them in the graph but never computes them."""

import dagster as dg

RAW_GROUP = "raw"

raw_reviews = dg.AssetSpec(
    key=["raw", "reviews"], group_name=RAW_GROUP, kinds={"json"},
    description="Amazon reviews, 2014 (reviews_Clothing_Shoes_and_Jewelry_5.json.gz) or 2018 format. Path: FASHION_REVIEWS.",
)
raw_metadata = dg.AssetSpec(
    key=["raw", "metadata"], group_name=RAW_GROUP, kinds={"json"},
    description="Amazon product metadata (meta_Clothing_Shoes_and_Jewelry.json.gz). Path: FASHION_METADATA.",
)
raw_dvbpr = dg.AssetSpec(
    key=["raw", "dvbpr_images"], group_name=RAW_GROUP, kinds={"numpy"},
    description="DVBPR AmazonFashion6ImgPartitioned.npy item images. Path: FASHION_DVBPR.",
)
raw_deepfashion = dg.AssetSpec(
    key=["raw", "deepfashion_inshop"], group_name=RAW_GROUP, kinds={"folder"},
    description="DeepFashion In-shop Clothes Retrieval Benchmark folder. Path: FASHION_DEEPFASHION.",
)

RAW_SPECS = [raw_reviews, raw_metadata, raw_dvbpr, raw_deepfashion]
