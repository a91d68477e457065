"""The mood classifier as plain numbers: a standard scaler, an optional quadratic
expansion and a multinomial logistic regression, stored as a few kilobytes of JSON
(never a pickle) so the served model is readable, diffable and safe to load."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .features import MODEL_FEATURES
from .labels import MOODS

FORMAT = 1
DEFAULT_PATH = Path(__file__).with_name("classifier.json")


def expand(z: np.ndarray, degree: int) -> np.ndarray:
    """The model's terms for scaled features ``z`` (n, d): the features themselves and,
    for degree 2, every product z_i * z_j with i <= j (squares included)."""
    if degree == 1:
        return z
    if degree != 2:
        raise ValueError(f"degree must be 1 or 2, not {degree}")
    i, j = np.triu_indices(z.shape[1])
    return np.hstack([z, z[:, i] * z[:, j]])


@dataclass(frozen=True)
class MoodClassifier:
    moods: tuple[str, ...]
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    degree: int
    coef: np.ndarray  # (moods, terms)
    intercept: np.ndarray  # (moods,)
    metadata: dict = field(default_factory=dict, compare=False)

    def scaled(self, x: np.ndarray) -> np.ndarray:
        """Features (n, d) in the order of ``features`` -> standardised features."""
        return (np.asarray(x, dtype=float) - self.mean) / self.scale

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        logits = expand(self.scaled(x), self.degree) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, x: np.ndarray) -> list[str]:
        if len(x) == 0:
            return []
        return [self.moods[i] for i in self.predict_proba(x).argmax(axis=1)]

    @property
    def version(self) -> str:
        """A short fingerprint of the numbers, recorded with every refit."""
        numbers = json.dumps(self._numbers(), sort_keys=True).encode()
        return hashlib.sha256(numbers).hexdigest()[:12]

    def _numbers(self) -> dict:
        return {
            "moods": list(self.moods),
            "features": list(self.features),
            "mean": _rounded(self.mean),
            "scale": _rounded(self.scale),
            "degree": self.degree,
            "coef": _rounded(self.coef),
            "intercept": _rounded(self.intercept),
        }

    def to_dict(self) -> dict:
        return {"format": FORMAT, **self._numbers(), "metadata": self.metadata}

    @classmethod
    def from_dict(cls, data: dict) -> MoodClassifier:
        if data.get("format") != FORMAT:
            raise ValueError(f"unsupported mood classifier format {data.get('format')!r}")
        moods, features = tuple(data["moods"]), tuple(data["features"])
        if set(moods) - set(MOODS) or set(features) - set(MODEL_FEATURES):
            raise ValueError("the mood classifier names moods or features this code does not know")
        model = cls(
            moods=moods,
            features=features,
            mean=np.array(data["mean"], dtype=float),
            scale=np.array(data["scale"], dtype=float),
            degree=int(data["degree"]),
            coef=np.array(data["coef"], dtype=float),
            intercept=np.array(data["intercept"], dtype=float),
            metadata=data.get("metadata", {}),
        )
        terms = expand(np.zeros((1, len(features))), model.degree).shape[1]
        if model.coef.shape != (len(moods), terms) or model.intercept.shape != (len(moods),):
            raise ValueError("the mood classifier's coefficients do not match its features")
        return model

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> MoodClassifier:
        return cls.from_dict(json.loads(Path(path).read_text()))


def _rounded(a: np.ndarray):
    # Nine significant digits keep predictions identical while keeping the file small.
    return np.vectorize(lambda v: float(f"{v:.9g}"))(np.asarray(a, dtype=float)).tolist()
