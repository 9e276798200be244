"""Pearson r between properties and units, and the small ridge probes fitted on one half of a text."""

from __future__ import annotations

import numpy as np

PROBE_UNITS = 8  # units a probe reads: enough to combine a few, few enough to fit on a half
RIDGE = 1e-2  # the probe's ridge penalty, per position, on standardised units


def correlations(props: np.ndarray, acts: np.ndarray) -> np.ndarray:
    """Pearson r of every column of props (T, K) with every column of acts (T, U): (K, U)."""
    p = props - props.mean(axis=0)
    a = acts - acts.mean(axis=0)
    p_norm = np.linalg.norm(p, axis=0)
    a_norm = np.linalg.norm(a, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (p.T @ a) / np.outer(p_norm, a_norm)
    return np.nan_to_num(r)  # a constant unit or property correlates with nothing


def fit_probes(props: np.ndarray, acts: np.ndarray) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Per column of props (T, K): (held-out r, the unit columns read, their r on the fit half).

    The first half of the positions chooses the PROBE_UNITS units of largest |r| and fits a
    ridge readout on them; the second half scores it. Halves rather than a random split: the
    positions of one passage are alike, and a split through them would score the fit on
    near copies of what it was fitted on."""
    half = len(acts) // 2
    fit_x, test_x = acts[:half].astype(np.float64), acts[half:].astype(np.float64)
    mean, std = fit_x.mean(axis=0), fit_x.std(axis=0)
    std[std == 0] = 1.0
    fit_x, test_x = (fit_x - mean) / std, (test_x - mean) / std
    fit_r = correlations(props[:half], acts[:half])  # (K, U)
    out = []
    for k in range(props.shape[1]):
        columns = np.argsort(-np.abs(fit_r[k]), kind="stable")[:PROBE_UNITS]
        y = props[:half, k].astype(np.float64)
        x = fit_x[:, columns]
        gram = x.T @ x + RIDGE * half * np.eye(len(columns))
        weights = np.linalg.solve(gram, x.T @ (y - y.mean()))
        prediction = test_x[:, columns] @ weights
        held = correlations(props[half:, k : k + 1], prediction[:, None])[0, 0]
        out.append((float(held), columns, fit_r[k, columns]))
    return out
