"""Spam and toxicity classifier for comments: normalization, features, the saved model and its loader."""

from model.classifier import SHIPPED_MODEL_DIR, CommentClassifier, CommentInput, Scores, load_classifier

__all__ = ["SHIPPED_MODEL_DIR", "CommentClassifier", "CommentInput", "Scores", "load_classifier"]
