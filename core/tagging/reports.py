"""What the tagging operations report back to the command line and the GUI."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class TagProgress:
    """Where a tagging job is: ``done`` of ``total`` items in ``phase``."""

    done: int
    total: int
    phase: str  # "embedding tags" | "scoring" | "saving" | "sidecars"
    kind: str | None = None


@dataclass
class TagReport:
    """What one tagging run did."""

    items: int = 0
    skipped: int = 0
    proposed: int = 0
    by_tag: dict[str, int] = field(default_factory=dict)
    imported: int = 0
    sidecar_errors: list[str] = field(default_factory=list)
    model_id: str = ""
    calibration: dict[str, str] = field(default_factory=dict)
    # Kinds whose tags were also read from the network's ImageNet classes (classtags.py) or,
    # for sounds with a probe for the model, from the tag probe (probe.py).
    class_kinds: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
    min_score: float = 0.5
    # The best tag probability of each item looked at (kept or not): how many items a
    # lower threshold would tag (``would_tag``), for the hint when few or none were tagged.
    best_scores: list[float] = field(default_factory=list)
    tagged_items: int = 0
    # Per kind: [items looked at, items that got a tag], for the hint's breakdown.
    kinds: dict[str, list[int]] = field(default_factory=dict)

    def would_tag(self, threshold: float) -> int:
        """How many of the items looked at have a tag at probability ``threshold`` or more."""
        return sum(1 for s in self.best_scores if s >= threshold)

    def suggested_min_score(self) -> float | None:
        """The highest of 40/30/20/10% below ``min_score`` that would tag half the items
        (else the lowest that tags any); None when none would."""
        lower = [t for t in (0.4, 0.3, 0.2, 0.1) if t < self.min_score and self.would_tag(t)]
        if not lower:
            return None
        return next((t for t in lower if self.would_tag(t) * 2 >= len(self.best_scores)),
                    lower[-1])

    def hint(self) -> str:
        """What to do when auto-tag proposed little or nothing ("" when most items got tags)."""
        n = len(self.best_scores)
        if not n or self.tagged_items * 2 >= n:
            return ""
        said = (f"No tag reached {self.min_score:.0%} for {n - self.tagged_items} of the {n} "
                f"items{self._by_kind()}.")
        t = self.suggested_min_score()
        if t is not None:
            said += (f" At {t:.0%}, {self.would_tag(t)} of them would get one: lower the "
                     "lowest probability of a proposed tag and auto-tag again.")
        return said + (" Or teach a tag from a few examples (select results, then Tags > "
                       "Teach a tag), which works for sounds too.")

    def _by_kind(self) -> str:
        """" (41 of 66 photos, 76 of 78 sounds)": the untagged per kind, when several."""
        words = {"image": "photos", "sound": "sounds", "note": "notes"}
        parts = [f"{n - tagged} of {n} {words.get(k, k + 's')}"
                 for k, (n, tagged) in self.kinds.items() if n]
        return f" ({', '.join(parts)})" if len(parts) > 1 else ""


@dataclass
class LearnReport:
    """What teaching a tag did: examples used, training time, proposals per kind."""

    name: str
    positives: int
    negatives: int
    background: int
    train_seconds: float
    proposed: dict[str, int]


@dataclass
class SidecarReport:
    """Sidecars written (or read) and the files that failed, with why."""

    written: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    imported: int = 0
    unchanged: int = 0
    read_items: list[int] = field(default_factory=list)  # items whose sidecar was read
    # Files whose sidecar in the file.xmp style would be another library file's too (a.jpg,
    # a.wav -> a.xmp): they got the file.ext.xmp style instead (a.jpg.xmp, a.wav.xmp).
    shared_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UnitItem:
    """A library item that activates a unit."""

    item_id: int
    path: str
    kind: str
    activation: float


@dataclass(frozen=True)
class ConceptUnitView:
    """A concept unit as the CLI and GUI show it (items by id and path)."""

    unit: int
    name: str
    names: list[tuple[str, float]]
    cross_kind: bool
    score: float
    agreement: float
    selectivity: dict[str, float]
    top: dict[str, list[UnitItem]]

    def to_dict(self) -> dict:
        return asdict(self)
