"""The one place that names the columns of every table the pipeline writes.

Readers, models and the warehouse all import these constants, so renaming a column is a
one-line change and a typo is an ImportError instead of a silent null column.
"""

# --- reviews (data/parsed/reviews.parquet) ---
USER_ID = "reviewer_id"
ITEM_ID = "asin"  # the product (2023: parent_asin)
VARIANT_ASIN = "variant_asin"  # 2023 format only: the variant reviewed (its asin field)
REVIEWER_NAME = "reviewer_name"
RATING = "rating"
HELPFUL_VOTES = "helpful_votes"
TOTAL_VOTES = "total_votes"
REVIEW_TEXT = "review_text"
SUMMARY = "summary"
TIMESTAMP = "unix_review_time"  # seconds since epoch, day resolution in the Amazon files
REVIEW_DATE = "review_date"
VERIFIED = "verified"  # 2018 format only
STYLE = "style"  # 2018 format only: the variant dict as a JSON string
SOURCE_FORMAT = "source_format"  # "2014", "2018", "2023" or "2023-csv" (a published benchmark split)
LINE_NUMBER = "line_number"  # 1-based line in the raw file: the stable tie-break for equal times

# --- rejects (data/parsed/rejects/*.parquet) ---
SOURCE_FILE = "source_file"
REASON = "reason"
RAW_LINE = "raw_line"

# --- products (data/parsed/products.parquet) ---
TITLE = "title"
BRAND = "brand"
PRICE = "price"
IMAGE_URL = "image_url"
CATEGORIES = "categories"  # list of category paths joined with " > ", paths joined with " | "
DESCRIPTION = "description"
SALES_RANK = "sales_rank"
SALES_RANK_CATEGORY = "sales_rank_category"
ALSO_BOUGHT = "also_bought"
ALSO_VIEWED = "also_viewed"
BOUGHT_TOGETHER = "bought_together"
CATEGORY = "category"  # tops, bottoms, dresses, outerwear, shoes, accessories
COLOUR = "colour"
PATTERN = "pattern"
OCCASION = "occasion"  # casual, formal, sport, party
GARMENT = "garment"  # the title's last word (coat, boots, sandals): a garment-type proxy for seasonal priors

# --- interactions (data/parsed/interactions.parquet) ---
USER_IDX = "user_idx"
ITEM_IDX = "item_idx"
SEASON = "season"  # e.g. "2013-winter": Dec..Feb belongs to December's year

# --- DeepFashion In-shop annotations ---
IMAGE_NAME = "image_name"
DF_ITEM_ID = "item_id"
SPLIT = "split"
CLOTHES_TYPE = "clothes_type"
POSE_TYPE = "pose_type"
BOX_X1, BOX_Y1, BOX_X2, BOX_Y2 = "x_1", "y_1", "x_2", "y_2"

# --- item attributes (data/parsed/item_attributes.parquet); CATEGORY/COLOUR/PATTERN/OCCASION as
# above, COLOUR being the decided colour ---
TEXT_COLOUR = "text_colour"  # the colour the title or category path names
IMAGE_COLOUR = "image_colour"  # the dominant colour measured on the garment crop
IMAGE_COLOUR_CONFIDENCE = "image_colour_confidence"  # share of garment pixels nearest that colour
COLOUR_SOURCE = "colour_source"  # "text" or "image": which one decided COLOUR (null: neither)

# --- recommendations (user_recommendations, seasonal_recommendations) ---
RANK = "rank"
SCORE = "score"
MODEL = "model"
CREATED_AT = "created_at"
RERANKED = "reranked"  # True when the row's position comes from the fashion-sense re-ranker
RERANK_REASON = "reason"  # why the row is where it is, in words

# --- similar items (data/recommendations/similar_items.parquet); ITEM_ID, RANK, SCORE as above ---
SIMILAR_ITEM_ID = "similar_asin"
INDEX_POSITION = "position"  # the FAISS id map: row position in the index -> ITEM_ID
