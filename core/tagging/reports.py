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
    seconds: float = 0.0
    cancelled: bool = False


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
