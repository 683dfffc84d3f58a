"""The extra non-spam rows of the spam head carry names, drawn only from the videos trained on."""

import numpy as np

from model.features import make_feature_pipeline
from training.train import (
    TrainConfig,
    davidson_ham_rows,
    featurize_sources,
    ham_author_names,
    load_sources,
    named_rows,
    spam_data,
)


def test_names_come_from_the_training_videos_non_spam_only() -> None:
    sources = load_sources(TrainConfig(max_rows_per_source=300))
    yt = sources.youtube
    one_video = np.flatnonzero(yt.groups == yt.groups[0])
    names = ham_author_names(sources, one_video)
    allowed = {yt.rows[i][1] for i in one_video.tolist() if yt.labels["spam"][i] == 0}
    assert names and set(names) <= allowed
    rows = named_rows([("text", "", ""), ("more", "", "u")], names, seed=3)
    assert rows == named_rows([("text", "", ""), ("more", "", "u")], names, seed=3)  # reproducible
    assert all(author in allowed for _, author, _ in rows) and rows[1][2] == "u"


def test_named_extra_non_spam_changes_the_author_features() -> None:
    config = TrainConfig(max_rows_per_source=300, spam_extra_ham=50, spam_link_ham=False, n_jobs=1)
    sources = load_sources(config)
    featurize_sources(sources, make_feature_pipeline().fit([("", "", "")]), 1)
    named = spam_data(sources, config)
    nameless = spam_data(sources, TrainConfig(**{**vars(config), "spam_ham_names": False}))
    extra = slice(len(sources.youtube), None)  # the extra rows follow the YouTube rows
    assert named.X.shape == nameless.X.shape
    assert (named.X[extra] != nameless.X[extra]).nnz > 0
    assert (named.X[: len(sources.youtube)] != nameless.X[: len(sources.youtube)]).nnz == 0


def test_davidson_non_spam_rows_are_hate_or_offensive_only_and_counted_once() -> None:
    """The spam head's Davidson non-spam never includes a "neither" tweet (those stay a held-out
    false-alarm check), and the report leaves out exactly the rows the head trained on."""
    config = TrainConfig(
        max_rows_per_source=300, spam_extra_ham=20, spam_link_ham=False, spam_davidson_ham=40, n_jobs=1
    )
    sources = load_sources(config)
    picked = davidson_ham_rows(sources, config)
    assert len(picked) == 40 and len(set(picked.tolist())) == 40
    assert not np.any(sources.davidson.groups[picked] == "neither")
    assert np.array_equal(picked, davidson_ham_rows(sources, config))  # the report finds the same rows
    featurize_sources(sources, make_feature_pipeline().fit([("", "", "")]), 1)
    data = spam_data(sources, config)
    assert data.counts["davidson_as_ham"]["rows"] == 40
    without = spam_data(sources, TrainConfig(**{**vars(config), "spam_davidson_ham": 0}))
    assert data.X.shape[0] == without.X.shape[0] + 40
