"""Never break checkout: substitutes answered from memory, with a deadline and a fallback.

:class:`CheckoutService` holds the snapshot in service (model + stock +
customers, :mod:`substitute.recommend.snapshot`). A background thread in each
worker probes the database every :data:`PROBE_S` seconds with one cheap
query (the current model version, the last master-data batch, the current
forecast run) and reloads the snapshot only when that fingerprint changed; a
new snapshot replaces the old one only when it loaded completely.

A request never touches the database. It gets:

* the recommender's answer, cut off at the deadline
  (:mod:`substitute.api.deadline`: a pathological call cannot hold the till);
* past the deadline, or if the recommender fails, the category's popular
  in-stock items (:mod:`substitute.api.fallback`), flagged ``degraded``;
* while the database is unreachable or the last reload failed, the answer
  from the last good snapshot, flagged ``degraded`` with the reason;
* before any snapshot was ever loaded, an empty list, flagged ``degraded``.

Only an unknown SKU or store (by the snapshot in hand) is an error: 404.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from substitute.api.deadline import Deadline, DeadlineMissed, Saturated
from substitute.api.fallback import PopularInStock
from substitute.errors import NotFound
from substitute.recommend.snapshot import Snapshot

log = logging.getLogger(__name__)

#: Seconds between two database probes (so "healthy again" shows within this after an outage).
PROBE_S = 2.0
#: A changed fingerprint reloads at most this often (a burst of batches costs one reload).
MIN_RELOAD_S = 30.0
#: A failed reload is tried again after this long.
RETRY_RELOAD_S = 60.0
#: What one recommendation may take before the fallback answers instead.
DEADLINE_S = 0.1


@dataclass
class Answer:
    """One line's answer: the offers and how much to trust them."""

    substitutes: list[dict[str, Any]]
    degraded: bool
    source: str  # model | fallback | none
    reason: str | None = None
    available_qty: float | None = None
    category: str | None = None


@dataclass
class Health:
    """What the service knows about its sources, for ``/readyz`` and ``/metrics``."""

    db_ok: bool = False
    db_error: str | None = None
    db_down_since: float | None = None
    load_error: str | None = None
    loaded_at: dt.datetime | None = None
    loaded_monotonic: float | None = None
    load_seconds: float | None = None
    reloads: int = 0
    load_failures: int = 0
    fallbacks: dict[str, int] = field(default_factory=dict)


class CheckoutService:
    """The snapshot in service and the rules of :mod:`substitute.api.serving`.

    Parameters
    ----------
    load
        Builds a fresh snapshot (reads the database and the current artifact).
    fingerprint
        One cheap query whose value changes when the snapshot's inputs change.
    """

    def __init__(
        self,
        load: Callable[[], Snapshot],
        fingerprint: Callable[[], Hashable],
        *,
        deadline_s: float = DEADLINE_S,
        min_reload_s: float = MIN_RELOAD_S,
    ) -> None:
        self._load = load
        self._fingerprint = fingerprint
        self.deadline = Deadline(deadline_s)
        self.min_reload_s = min_reload_s
        self.snapshot: Snapshot | None = None
        self.popular: PopularInStock | None = None
        self.health = Health()
        self._fp: Hashable | None = None
        self._reload_lock = threading.Lock()

    # --- keeping the snapshot fresh (background thread) -------------------------

    def refresh(self, *, force: bool = False) -> bool:
        """Probe the database; reload the snapshot when its inputs changed. True when reloaded."""
        try:
            fp = self._fingerprint()
        except Exception as exc:  # any failure to reach the database means "down"
            if self.health.db_ok or self.health.db_down_since is None:
                log.warning("database unreachable, serving the snapshot in hand: %s", exc)
                self.health.db_down_since = time.monotonic()
            self.health.db_ok, self.health.db_error = False, _short(exc)
            return False
        self.health.db_ok, self.health.db_error, self.health.db_down_since = True, None, None
        if not force and not self._reload_due(fp):
            return False
        return self._reload(fp)

    def _reload_due(self, fp: Hashable) -> bool:
        h = self.health
        if self.snapshot is None and h.load_error is None:
            return True
        since = time.monotonic() - (h.loaded_monotonic or 0.0)
        if h.load_error is not None:
            return since >= RETRY_RELOAD_S
        return fp != self._fp and since >= self.min_reload_s

    def _reload(self, fp: Hashable) -> bool:
        if not self._reload_lock.acquire(blocking=False):
            return False  # another thread is loading already
        started = time.monotonic()
        try:
            fresh = self._load()
        except Exception as exc:  # a bad artifact or data: keep serving the one in hand
            log.exception("snapshot reload failed; the previous snapshot stays in service")
            self.health.load_error = _short(exc)
            self.health.load_failures += 1
            self.health.loaded_monotonic = started
            return False
        finally:
            self._reload_lock.release()
        self.install(fresh, fingerprint=fp, seconds=time.monotonic() - started)
        return True

    def install(
        self, snapshot: Snapshot, *, fingerprint: Hashable | None = None, seconds: float = 0.0
    ) -> None:
        """Put ``snapshot`` in service (one reference swap: requests see the old or the new, whole)."""
        popular = PopularInStock(snapshot)
        self.snapshot, self.popular = snapshot, popular
        self._fp = fingerprint
        # A snapshot of 200,000 customers is ~600,000 tracked objects, and a full
        # garbage collection walking them stalled a request for 330 ms. Freezing
        # moves them out of the collector's way (and, before gunicorn forks, keeps
        # the pages shared). The snapshot is acyclic: a replaced one is still
        # freed by reference counting (tests/api/test_never_break_checkout.py).
        gc.freeze()
        h = self.health
        h.loaded_at = dt.datetime.now(dt.UTC)
        h.loaded_monotonic = time.monotonic()
        h.load_seconds, h.load_error = seconds, None
        h.reloads += 1
        log.info("snapshot %s in service (%.1f s to load)", snapshot.version, seconds)

    # --- answering ------------------------------------------------------------------

    def degraded_reason(self) -> str | None:
        """Why answers are not fully current, or None when they are."""
        h = self.health
        if self.snapshot is None:
            return "no recommender snapshot is loaded yet" + (f" ({h.load_error})" if h.load_error else "")
        if not h.db_ok and h.db_down_since is not None:
            return "the database is unreachable: stock and model are those of the last snapshot"
        if h.load_error is not None:
            return "the last snapshot reload failed: serving the previous one"
        return None

    def answer(
        self, sku: str, store: str, customer: str | None = None, size: str | None = None, k: int = 10
    ) -> Answer:
        """Substitutes for one line; see the module docstring for what each case returns.

        Raises
        ------
        NotFound
            When the snapshot in hand does not know ``sku`` or ``store``.
        """
        snap, popular = self.snapshot, self.popular
        reason = self.degraded_reason()
        if snap is None or popular is None:
            return Answer([], True, "none", reason)
        item_idx = snap.item_ids.get(sku)
        if item_idx is None:
            raise NotFound(f"SKU {sku!r} is not in the catalogue of the model in service: check the SKU")
        store_idx = snap.stores.get(store)
        if store_idx is None:
            raise NotFound(
                f"store {store!r} has no stock or sales in the model in service: check the store id"
            )
        category = str(snap.items.category_names[snap.items.category[item_idx]])
        available = float(snap.available[store_idx, item_idx])
        offers, why = self._recommend(snap, sku, store, customer, size, k)
        if offers is None:
            offers = popular.offers(item_idx, store_idx, size, k)
            self.health.fallbacks[why or "error"] = self.health.fallbacks.get(why or "error", 0) + 1
            text = f"the recommender {why}: these are the category's popular items in stock"
            return Answer(
                offers, True, "fallback", f"{reason}; {text}" if reason else text, available, category
            )
        return Answer(offers, reason is not None, "model", reason, available, category)

    def _recommend(
        self, snap: Snapshot, sku: str, store: str, customer: str | None, size: str | None, k: int
    ) -> tuple[list[dict[str, Any]] | None, str | None]:
        from substitute.recommend.service import recommend_substitutes

        def run() -> list[dict[str, Any]]:
            return [s.as_dict() for s in recommend_substitutes(snap, sku, store, customer, size, k)]

        try:
            return self.deadline.run(run), None
        except DeadlineMissed:
            log.warning(
                "recommendation for %s at %s missed its %.0f ms deadline",
                sku,
                store,
                self.deadline.seconds * 1e3,
            )
            return None, "missed its deadline"
        except Saturated:
            return None, "is saturated"
        except NotFound:
            raise
        except Exception:
            log.exception("recommender failed for %s at %s; answering with the fallback", sku, store)
            return None, "failed"


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text[:300]
