"""The vision layer: YOLO dataset and detector, garment crops, image encoders, FAISS index.

Pure functions and small classes: no Dagster, no MLflow. Modules, one job each:

  offline      make ultralytics run without the network (call before importing it)
  yolo_dataset DeepFashion In-shop -> an ultralytics dataset (images, labels, data.yaml)
  detector     train / load the clothing detector, detect the best garment box per image
  crops        pick the highest-confidence box and crop it (whole image when none)
  item_images  decode catalogue images from the DVBPR .npy or a folder, listing failures
  encoders     pluggable image encoders (EfficientNet-Lite0 by default), by name
  embedder     detector + crop + encoder, batched
  features     the HDF5 feature store, incremental embedding
  index        FAISS exact / approximate index with its id map, top-k similar items
  search       photo in -> detected garment -> similar items out
  image_eval   leave-one-out kNN precision on a folder of labelled photos
  layout       where each artifact lives under data/
  commands     what the `similar` and `image-eval` CLI commands do
  runtime      torch thread limits
"""
