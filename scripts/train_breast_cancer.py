#!/usr/bin/env python3
"""Trains the bundled model breast_cancer_v1 and writes every file the repository commits for it.

Logistic regression on the Wisconsin diagnostic breast-cancer data set that scikit-learn ships
(sklearn.datasets.load_breast_cancer: 569 samples, 30 features, target 1 = benign, 0 = malignant),
deterministic end to end:

  1. stratified 80/20 split with a fixed seed (455 train / 114 test samples);
  2. StandardScaler fitted on the training split; the model sees standardized features;
  3. LogisticRegression (L2, fixed C, lbfgs, tight tolerance) on the standardized training split;
  4. the activation: a degree-3 polynomial p(z) fitted to the sigmoid by least squares over the
     range of z = w.x + b observed on train and test, widened by a margin, with p(0) = 1/2 pinned
     so that the decision threshold 0.5 stays at z = 0 (the polynomial model then gives every
     sample whose z lies in the class-preserving interval the same class as scikit-learn);
  5. the registry file with the encryption parameters chosen for it (docs/models.md says why).

Files written (paths relative to the repository root):
  models/breast_cancer_v1.json             the registry file (schemas/model-file.json)
  models/breast_cancer_v1/scaler.json      mean and scale of each feature (raw -> standardized)
  models/breast_cancer_v1/test_split.csv   the test split: dataset row, 30 standardized features, label
  models/breast_cancer_v1/accuracy.json    accuracies (sigmoid and polynomial activation, float64),
                                           ranges of z, the activation fit and its errors

Usage (from the repository root, with the pinned versions of models/requirements-train.txt):
  .venv/bin/pip install -r models/requirements-train.txt
  .venv/bin/python scripts/train_breast_cancer.py            # writes the files above
  .venv/bin/python scripts/train_breast_cancer.py --check    # regenerates in memory, compares, exit 1 if different
Options: --out-dir DIR (default: the repository root), --any-version (skip the version pin check).

The layouts' precision statements are measurements of the encrypted evaluation made by
tests/engine/ckks/breast_cancer_test.cpp (ei_breast_cancer_tests); that test fails if its own
measurement exceeds them. They are constants here, not computed.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parent.parent

# ---- Pinned versions (models/requirements-train.txt) ----------------------------------------------
PINNED = {"scikit-learn": "1.5.2", "numpy": "2.3.2"}

# ---- Model --------------------------------------------------------------------------------------------
MODEL_ID = "breast_cancer_v1"
VERSION = "1.0.0"
SPLIT_SEED = 42
TEST_FRACTION = 0.2
C = 1.0                # scikit-learn's default regularization
SOLVER = "lbfgs"
TOL = 1e-10            # converged to the optimum, not to the default 1e-4 stopping point
MAX_ITER = 10000

# ---- Activation fit -----------------------------------------------------------------------------------
DEGREE = 3
FIT_MARGIN = 0.05      # the fit interval extends the observed z range by this fraction of its width, each side
FIT_GRID = 20001       # uniform least-squares grid over the fit interval
THRESHOLD = 0.5

# ---- Encryption parameters (docs/models.md, "Parameters and why") ------------------------------------
# N = 8192 is the smallest ring with room for a degree-3 plan at this precision under tc128 (218 bits).
# N = 4096 allows 109 bits: no chain of 3 to 7 primes within them gives the planner an a-priori bound
# below 0.1 (exhaustive search, docs/models.md). The chain: q0 = q1 = 46 bits hold the output (scale
# 2^83, |y| <= 38 over the stated domain), q2 = q3 = 40 bits are the two rescales at the 2^40 scale,
# and the special prime (46) is as large as the largest data prime.
POLY_MODULUS_DEGREE = 8192
COEFF_MODULUS_BITS = [46, 46, 40, 40, 46]   # 218 bits = the tc128 bound for N = 8192; the last is the special prime
SCALE = 2.0 ** 40
MAX_MULTIPLICATIVE_DEPTH = 3                # 1 (weights) + 2 (cubic), the server's count
MAX_BATCH_SIZE = POLY_MODULUS_DEGREE // 2   # feature_columns: every slot; packed_rows: capped at N/2 / 32 = 128

# Checked by ei_breast_cancer_tests, which re-measures max |encrypted - float64 polynomial model| on
# uniform inputs from the domain and on the test split (public-key and symmetric encryptions) and fails
# above these values: the plans' a-priori bounds (4.7e-7, 4.9e-7) rounded up to a power of ten.
PRECISION_SAMPLES = 1024
PRECISION = {
    "feature_columns": 1e-6,
    "packed_rows": 1e-6,
}


def check_versions(any_version: bool) -> None:
    have = {"scikit-learn": sklearn.__version__, "numpy": np.__version__}
    bad = {k: (v, PINNED[k]) for k, v in have.items() if v != PINNED[k]}
    if bad and not any_version:
        for k, (v, want) in bad.items():
            print(f"error: {k} {v} installed, {want} pinned (models/requirements-train.txt)", file=sys.stderr)
        print("install the pinned versions or pass --any-version", file=sys.stderr)
        sys.exit(2)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def poly(coeffs: list[float], z: np.ndarray) -> np.ndarray:
    """Horner from the highest coefficient, as /infer/plain evaluates the activation."""
    y = np.zeros_like(z)
    for c in reversed(coeffs):
        y = y * z + c
    return y


def linear(w: np.ndarray, b: float, x: np.ndarray) -> np.ndarray:
    """z = sum_i w_i x_i accumulated in index order from 0.0, then + b (the plain path's order)."""
    s = np.zeros(x.shape[0])
    for i in range(x.shape[1]):
        s = s + w[i] * x[:, i]
    return s + b


def fit_activation(lo: float, hi: float) -> tuple[list[float], np.ndarray]:
    """Least squares of c1 z + c2 z^2 + c3 z^3 to sigmoid(z) - 1/2 on a uniform grid of [lo, hi]."""
    grid = np.linspace(lo, hi, FIT_GRID)
    vander = np.stack([grid**k for k in range(1, DEGREE + 1)], axis=1)
    sol, *_ = np.linalg.lstsq(vander, sigmoid(grid) - 0.5, rcond=None)
    return [0.5] + [float(c) for c in sol], grid


def class_preserving_interval(coeffs: list[float]) -> list[float]:
    """The interval around 0 on which p(z) - 1/2 = z (c1 + c2 z + c3 z^2) has the sign of z."""
    roots = np.roots([coeffs[3], coeffs[2], coeffs[1]])
    real = sorted(float(r.real) for r in roots if abs(r.imag) < 1e-12)
    neg = [r for r in real if r < 0]
    pos = [r for r in real if r > 0]
    return [max(neg) if neg else -math.inf, min(pos) if pos else math.inf]


def increasing_interval(coeffs: list[float]) -> list[float]:
    """The interval around 0 between the critical points of p (where p' = c1 + 2 c2 z + 3 c3 z^2 > 0)."""
    roots = np.roots([3 * coeffs[3], 2 * coeffs[2], coeffs[1]])
    real = sorted(float(r.real) for r in roots if abs(r.imag) < 1e-12)
    neg = [r for r in real if r < 0]
    pos = [r for r in real if r > 0]
    return [max(neg) if neg else -math.inf, min(pos) if pos else math.inf]


def validate_model_file(model: dict) -> None:
    """Validates the registry file against schemas/model-file.json (draft 2020-12, $refs into defs.json)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schemas = {}
    for path in sorted((ROOT / "schemas").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if "$id" in doc:
            schemas[doc["$id"]] = Resource.from_contents(doc)
    registry = Registry().with_resources(schemas.items())
    schema = json.loads((ROOT / "schemas" / "model-file.json").read_text(encoding="utf-8"))
    errors = sorted(Draft202012Validator(schema, registry=registry).iter_errors(model), key=lambda e: list(e.path))
    for e in errors:
        print(f"schema: /{'/'.join(str(p) for p in e.path)}: {e.message}", file=sys.stderr)
    if errors:
        raise SystemExit("the model file does not validate against schemas/model-file.json")


def build() -> dict[str, str]:
    data = load_breast_cancer()
    x_raw, y = data.data, data.target
    names = [str(n) for n in data.feature_names]
    rows = np.arange(x_raw.shape[0])
    x_tr_raw, x_te_raw, y_tr, y_te, rows_tr, rows_te = train_test_split(
        x_raw, y, rows, test_size=TEST_FRACTION, stratify=y, random_state=SPLIT_SEED)

    scaler = StandardScaler().fit(x_tr_raw)
    x_tr = scaler.transform(x_tr_raw)
    x_te = scaler.transform(x_te_raw)

    clf = LogisticRegression(C=C, solver=SOLVER, tol=TOL, max_iter=MAX_ITER).fit(x_tr, y_tr)
    if clf.n_iter_[0] >= MAX_ITER:
        raise SystemExit("LogisticRegression did not converge")
    w = clf.coef_[0].astype(float)
    b = float(clf.intercept_[0])

    z_tr = linear(w, b, x_tr)
    z_te = linear(w, b, x_te)
    z_all = np.concatenate([z_tr, z_te])
    z_lo, z_hi = float(z_all.min()), float(z_all.max())
    width = z_hi - z_lo
    fit_lo, fit_hi = z_lo - FIT_MARGIN * width, z_hi + FIT_MARGIN * width
    coeffs, grid = fit_activation(fit_lo, fit_hi)
    if not coeffs[3] < 0:
        raise SystemExit(f"unexpected activation fit {coeffs}")
    cpi = class_preserving_interval(coeffs)
    if not (cpi[0] < fit_lo and cpi[1] > fit_hi):
        raise SystemExit(f"the fit changes class inside its interval: {cpi}")

    err_grid = np.abs(poly(coeffs, grid) - sigmoid(grid))
    err_samples = np.abs(poly(coeffs, z_all) - sigmoid(z_all))

    def accuracies(xs: np.ndarray, ys: np.ndarray, zs: np.ndarray) -> dict:
        sk = float(clf.score(xs, ys))
        sig = float(np.mean((sigmoid(zs) > THRESHOLD) == (ys == 1)))
        pol_out = poly(coeffs, zs)
        pol = float(np.mean((pol_out > THRESHOLD) == (ys == 1)))
        return {
            "samples": int(len(ys)),
            "sklearn_accuracy": sk,
            "sigmoid_float64_accuracy": sig,
            "polynomial_float64_accuracy": pol,
            "sklearn_correct": int(round(sk * len(ys))),
            "polynomial_correct": int(np.sum((pol_out > THRESHOLD) == (ys == 1))),
            "polynomial_vs_sklearn_class_disagreements": int(np.sum((pol_out > THRESHOLD) != (clf.predict(xs) == 1))),
            "polynomial_output_range": [float(pol_out.min()), float(pol_out.max())],
            "min_abs_distance_to_threshold": float(np.min(np.abs(pol_out - THRESHOLD))),
        }

    acc_tr = accuracies(x_tr, y_tr, z_tr)
    acc_te = accuracies(x_te, y_te, z_te)
    x_all = np.concatenate([x_tr, x_te])
    domain = float(math.ceil(np.max(np.abs(x_all))))
    near = [int(rows_te[j]) for j, v in enumerate(poly(coeffs, z_te)) if abs(v - THRESHOLD) <= 1e-4]

    fit = {
        "degree": DEGREE,
        "method": ("least squares on a uniform grid of the fit interval, p(0) = 1/2 pinned (c0 = 0.5) so the "
                   "decision threshold 0.5 stays at z = 0"),
        "observed_z_range": [z_lo, z_hi],
        "margin_fraction_each_side": FIT_MARGIN,
        "fit_interval": [fit_lo, fit_hi],
        "grid_points": FIT_GRID,
        "coefficients_ascending": coeffs,
        "max_abs_error_over_fit_interval": float(err_grid.max()),
        "argmax_error_z": float(grid[int(np.argmax(err_grid))]),
        "rms_error_over_fit_interval": float(np.sqrt(np.mean(err_grid**2))),
        "max_abs_error_at_samples": float(err_samples.max()),
        "mean_abs_error_at_samples": float(err_samples.mean()),
        "class_preserving_interval": cpi,
        "increasing_interval": increasing_interval(coeffs),
        "derivative_at_0": coeffs[1],
    }

    accuracy = {
        "model_id": MODEL_ID,
        "version": VERSION,
        "generated_by": "scripts/train_breast_cancer.py",
        "versions": {"python": sys.version.split()[0], "scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "dataset": {
            "source": "sklearn.datasets.load_breast_cancer (Wisconsin diagnostic breast cancer)",
            "samples": int(x_raw.shape[0]),
            "features": int(x_raw.shape[1]),
            "positive_class": "benign (target 1); output > 0.5 means benign",
        },
        "split": {"seed": SPLIT_SEED, "test_fraction": TEST_FRACTION, "stratified": True,
                  "train_samples": int(len(y_tr)), "test_samples": int(len(y_te))},
        "classifier": {"kind": "LogisticRegression", "penalty": "l2", "C": C, "solver": SOLVER, "tol": TOL,
                       "iterations": int(clf.n_iter_[0])},
        "threshold": THRESHOLD,
        "test": acc_te,
        "train": acc_tr,
        "z_range": {"train": [float(z_tr.min()), float(z_tr.max())], "test": [float(z_te.min()), float(z_te.max())]},
        "standardized_feature_range": {"train": [float(x_tr.min()), float(x_tr.max())],
                                       "test": [float(x_te.min()), float(x_te.max())]},
        "activation_fit": fit,
        "test_rows_within_1e-4_of_threshold": near,
    }

    layouts = []
    for name, level in (("feature_columns", "first"), ("packed_rows", "lowest")):
        err = PRECISION[name]
        layouts.append({
            "name": name,
            "input_level": level,
            "precision": {
                "input_domain": {"min": -domain, "max": domain},
                "max_abs_error": err,
                "bits": round(-math.log2(err), 1),
                "samples": PRECISION_SAMPLES,
                "method": (f"max |encrypted - plain| over {PRECISION_SAMPLES} samples uniform in the domain and over the "
                           f"{len(y_te)}-sample test split, fresh public-key and symmetric encryptions "
                           "(ei_breast_cancer_tests): measured about 2e-8; stated here is the evaluation plan's a-priori "
                           "bound (4.9e-7) rounded up to a power of ten"),
            },
        })

    model = {
        "model_id": MODEL_ID,
        "version": VERSION,
        "description": (
            "Logistic regression on the Wisconsin diagnostic breast-cancer data (scikit-learn), 30 standardized "
            "features: encrypt (x - mean) / scale with models/breast_cancer_v1/scaler.json, in feature_names order. "
            "Output: a degree-3 polynomial approximation of the sigmoid of w.x + b (least squares over the observed "
            "range of w.x + b, p(0) = 0.5); above 0.5 means benign, below malignant. The polynomial is not a "
            "calibrated probability: docs/models.md gives its error. Trained by scripts/train_breast_cancer.py."),
        "he_scheme": "CKKS",
        "encryption_parameters": {
            "poly_modulus_degree": POLY_MODULUS_DEGREE,
            "scale": int(SCALE),
            "coeff_modulus_bits": COEFF_MODULUS_BITS,
            "max_multiplicative_depth": MAX_MULTIPLICATIVE_DEPTH,
            "security_level": "tc128",
        },
        "inference": {"input_dimension": int(len(w)), "output_dimension": 1, "activation": "polynomial"},
        "parameters": {"weights": [float(v) for v in w], "bias": b},
        "activation_parameters": {"kind": "polynomial", "coefficients": coeffs},
        "constraints": {"max_batch_size": MAX_BATCH_SIZE},
        "feature_names": names,
        "layouts": layouts,
    }

    scaler_doc = {
        "model_id": MODEL_ID,
        "version": VERSION,
        "description": ("StandardScaler fitted on the training split: standardized_i = (raw_i - mean_i) / scale_i, "
                        "features in feature_names order (sklearn's load_breast_cancer columns)."),
        "feature_names": names,
        "mean": [float(v) for v in scaler.mean_],
        "scale": [float(v) for v in scaler.scale_],
    }

    csv = io.StringIO()
    csv.write("row," + ",".join(names) + ",label\n")
    for j in range(x_te.shape[0]):
        csv.write(str(int(rows_te[j])) + "," + ",".join(repr(float(v)) for v in x_te[j]) + f",{int(y_te[j])}\n")

    validate_model_file(model)

    def dump(obj: dict) -> str:
        def finite(v):  # JSON has no infinities: an unbounded interval end is written as null
            if isinstance(v, float) and not math.isfinite(v):
                return None
            if isinstance(v, dict):
                return {k: finite(x) for k, x in v.items()}
            if isinstance(v, list):
                return [finite(x) for x in v]
            return v
        return json.dumps(finite(obj), indent=2, ensure_ascii=True, allow_nan=False) + "\n"

    return {
        f"models/{MODEL_ID}.json": dump(model),
        f"models/{MODEL_ID}/scaler.json": dump(scaler_doc),
        f"models/{MODEL_ID}/test_split.csv": csv.getvalue(),
        f"models/{MODEL_ID}/accuracy.json": dump(accuracy),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", type=Path, default=ROOT)
    ap.add_argument("--check", action="store_true", help="compare with the files in --out-dir instead of writing")
    ap.add_argument("--any-version", action="store_true", help="skip the scikit-learn/numpy version check")
    args = ap.parse_args()
    check_versions(args.any_version)
    files = build()
    if args.check:
        differ = [p for p, text in files.items()
                  if not (args.out_dir / p).is_file() or (args.out_dir / p).read_text(encoding="utf-8") != text]
        for p in differ:
            print(f"differs: {p}", file=sys.stderr)
        print("up to date" if not differ else f"{len(differ)} file(s) differ")
        return 1 if differ else 0
    for p, text in files.items():
        out = args.out_dir / p
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
