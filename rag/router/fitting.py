"""The routers' logistic regressions, fitted side by side: one process per core.

Training fits one classifier per held-out fold (the thresholds are learned from their
predictions) and one on every exemplar (the model). Each fit is a single-threaded L-BFGS
run, so one after another they left a core idle; `train_router`, a fresh clone's first start
and the test suite's retrain all wait for them. Fitted in parallel processes they take about
half the time on a 2-core machine, with the same results: the same rows, the same
deterministic solver.
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression

T = TypeVar("T")


@dataclass(frozen=True)
class HeldOutFold:
    """What a classifier that did not see the `test` rows predicts for them."""

    test: np.ndarray
    classes: np.ndarray
    probabilities: np.ndarray


def folds_and_final(features, labels: np.ndarray,  # type: ignore[no-untyped-def]
                    splits: Sequence[tuple[np.ndarray, np.ndarray]],
                    **params) -> tuple[list[HeldOutFold], LogisticRegression]:
    """Each split's held-out predictions and a classifier fitted on every row, all fitted side by side.

    `params` are LogisticRegression's; `features` any matrix it accepts (dense or sparse rows).
    """
    jobs = [(train, test) for train, test in splits] + [(None, None)]
    *folds, final = side_by_side(_fit, [(features, labels, train, test, params) for train, test in jobs])
    return folds, final


def side_by_side(function: Callable[..., T], calls: Sequence[tuple]) -> list[T]:
    """`function(*arguments)` for each tuple of `calls`, in up to one process per core; the results in order.

    `function` must be a module's own (the processes import it) and its results small enough to send back.
    """
    processes = _processes(len(calls))
    if processes == 1:
        return [function(*arguments) for arguments in calls]
    return Parallel(n_jobs=processes, backend="loky")(delayed(function)(*arguments) for arguments in calls)


def _fit(features, labels: np.ndarray, train: np.ndarray | None,  # type: ignore[no-untyped-def]
         test: np.ndarray | None, params: dict) -> HeldOutFold | LogisticRegression:
    """A fold's held-out predictions (only those travel back between processes), or the final classifier."""
    rows = slice(None) if train is None else train
    classifier = LogisticRegression(**params).fit(features[rows], labels[rows])
    if test is None:
        return classifier
    return HeldOutFold(test, classifier.classes_, classifier.predict_proba(features[test]))


def _processes(jobs: int) -> int:
    """As many processes as cores (and jobs); one inside a daemon process (a Celery prefork worker), which may not
    start processes of its own."""
    if multiprocessing.current_process().daemon:
        return 1
    return max(1, min(jobs, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
