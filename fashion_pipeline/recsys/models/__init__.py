"""Neural collaborative filtering models (He et al. 2017): one small file per model.

Each model maps (user, item) index tensors to a logit, and scores whole item catalogues for a
batch of users with `score_users`. They know nothing about files, training or MLflow.
"""
