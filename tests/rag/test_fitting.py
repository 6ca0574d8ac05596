"""The routers' fits side by side (rag/router/fitting.py) give what fitting them one after another gives."""
from __future__ import annotations

import multiprocessing

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from rag.router import fitting

PARAMS = {"C": 4.0, "max_iter": 500, "class_weight": "balanced"}


def _data() -> tuple[np.ndarray, np.ndarray, list]:
    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(3), 40)
    features = rng.normal(size=(120, 8)) + labels[:, None] * 0.8
    splits = list(StratifiedKFold(n_splits=4, shuffle=True, random_state=7).split(features, labels))
    return features, labels, splits


def test_side_by_side_fits_predict_what_one_after_another_would(monkeypatch):
    features, labels, splits = _data()
    monkeypatch.setattr(fitting, "_processes", lambda jobs: 2)  # two processes even on a one-core machine

    folds, final = fitting.folds_and_final(features, labels, splits, **PARAMS)

    assert len(folds) == len(splits)
    for fold, (train, test) in zip(folds, splits):
        alone = LogisticRegression(**PARAMS).fit(features[train], labels[train])
        assert np.array_equal(fold.test, test)
        assert np.allclose(fold.probabilities, alone.predict_proba(features[test]), atol=1e-6)
    alone = LogisticRegression(**PARAMS).fit(features, labels)
    assert np.allclose(final.coef_, alone.coef_, atol=1e-6)


def test_a_daemon_process_fits_in_itself(monkeypatch):
    # a Celery prefork worker is a daemon process, which may not start processes of its own
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True, raising=False)
    assert fitting._processes(6) == 1


def test_never_more_processes_than_fits():
    assert fitting._processes(1) == 1
