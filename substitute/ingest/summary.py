"""The account of one batch: every row read is loaded, a duplicate, parked or rejected."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class BatchSummary:
    kind: str
    source: str
    batch_id: int | None = None
    status: str = "running"  # active | duplicate | rejected | failed
    rows_read: int = 0
    loaded: int = 0  # new rows inserted
    updated: int = 0  # stored rows replaced by a changed version (mutable kinds)
    parked: int = 0  # waiting in unmatched_rows for their SKU or store
    duplicate: int = 0  # already stored, or repeated in the batch
    rejected: int = 0  # rows with at least one reject record
    reasons: Counter[str] = field(default_factory=Counter)  # reject records by reason
    warnings: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[int, str, str, str]] = field(default_factory=list)  # line, column, reason, raw
    seconds: float = 0.0
    message: str | None = None

    @property
    def accounted(self) -> int:
        return self.loaded + self.updated + self.parked + self.duplicate + self.rejected

    @property
    def balanced(self) -> bool:
        """The invariant: nothing read goes unaccounted for."""
        return self.accounted == self.rows_read

    @property
    def reject_share(self) -> float:
        return self.rejected / self.rows_read if self.rows_read else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "batch_id": self.batch_id,
            "kind": self.kind,
            "source": self.source,
            "status": self.status,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "updated": self.updated,
            "parked": self.parked,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "reasons": dict(self.reasons),
            "warnings": dict(self.warnings),
            "seconds": round(self.seconds, 3),
        }

    def render(self) -> str:
        lines = [
            f"{self.kind} from {self.source}: batch {self.batch_id} {self.status}",
            f"  read {self.rows_read:,} = loaded {self.loaded:,} + updated {self.updated:,}"
            f" + parked {self.parked:,} + duplicate {self.duplicate:,} + rejected {self.rejected:,}"
            f"  ({self.seconds:.1f} s)",
        ]
        if self.reasons:
            lines.append(
                "  rejects by reason: " + ", ".join(f"{r} {n:,}" for r, n in self.reasons.most_common())
            )
            for line, column, reason, raw in self.examples:
                lines.append(f"    line {line}, {column}: {reason} (read {raw!r})")
        if self.parked:
            lines.append("  parked rows load by themselves once their item or store is ingested")
        if self.warnings:
            lines.append("  warnings: " + ", ".join(f"{w} {n:,}" for w, n in self.warnings.items()))
        if self.message:
            lines.append(f"  {self.message}")
        return "\n".join(lines)
