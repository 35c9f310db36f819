"""`--live`: a clinic that keeps moving, for demos — new patients, edits,
bookings, reschedules, cancellations, arrivals and no-shows every few seconds."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from cliniko_sandbox.store import parse_time, utcnow
from cliniko_sandbox.validation import ValidationFailed
from cliniko_sandbox.world import NotFound, World

log = logging.getLogger(__name__)

# (event, weight): roughly what a busy front desk does in a day
EVENTS = [("new_patient", 18), ("edit_patient", 18), ("book", 26), ("reschedule", 6),
          ("cancel", 10), ("arrive", 12), ("did_not_arrive", 4), ("archive_patient", 2),
          ("merge", 1), ("marketing_opt_out", 3), ("book_class", 6), ("cancel_class_seat", 2),
          ("class_arrived", 4), ("class_no_show", 1)]
# how a summary line names each event, in EVENTS order
SUMMARY_WORDS = {"new_patient": "new patient", "edit_patient": "patient edit", "book": "booking",
                 "reschedule": "reschedule", "cancel": "cancellation", "arrive": "arrival",
                 "did_not_arrive": "no-show", "archive_patient": "archived patient",
                 "merge": "merge", "marketing_opt_out": "marketing opt-out",
                 "book_class": "class booking", "cancel_class_seat": "class cancellation",
                 "class_arrived": "class arrival", "class_no_show": "class no-show"}


class LiveActivity:
    """Random but seeded by the world: the same seed replays the same story."""

    def __init__(self, world: World, interval: float = 3.0, *, summary_every: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`summary_every`: log one line per that many seconds instead of one per event
        (`--quiet`, as `make run` does, so the demo's banner does not scroll away)."""
        self.world = world
        self.interval = interval
        self.summary_every = summary_every
        self.clock = clock
        self._done: Counter[str] = Counter()
        self._summarised_at = clock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sandbox-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.report(self.step(1 + self.world.rng.randrange(3)))
            except Exception:  # a demo must not die on one odd event
                log.exception("live activity step failed")

    def report(self, events: list[str]) -> None:
        level = logging.INFO if self.summary_every is None else logging.DEBUG
        for event in events:
            log.log(level, "live: %s", event)
        if self.summary_every is not None and self.clock() - self._summarised_at >= self.summary_every:
            if self._done:
                parts = ", ".join(f"{self._done[name]} {SUMMARY_WORDS[name]}{'s' if self._done[name] > 1 else ''}"
                                  for name, _ in EVENTS if self._done[name])
                log.info("live: %s in the last %s", parts, _duration(self.clock() - self._summarised_at))
            self._done.clear()
            self._summarised_at = self.clock()

    def step(self, count: int = 1) -> list[str]:
        events = []
        for _ in range(count):
            with self.world._lock:
                name = self.world.rng.choices([e for e, _ in EVENTS],
                                              weights=[w for _, w in EVENTS])[0]
            try:
                events.append(getattr(self, name)())
                self._done[name] += 1
            except (NotFound, ValidationFailed, IndexError) as exc:
                events.append(f"{name} skipped ({exc.__class__.__name__})")
        return events

    def _patient(self) -> str:
        return self.world.rng.choice(self.world.patient_ids())

    def _appointment(self, *, future: bool) -> str:
        now = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
        op = ">" if future else "<="
        rows = self.world.store.select(
            f"SELECT id FROM appointments WHERE starts_at {op} ? AND cancelled_at IS NULL "
            "AND archived_at IS NULL AND deleted_at IS NULL ORDER BY starts_at "
            + ("ASC" if future else "DESC") + " LIMIT 50", (now,))
        return str(self.world.rng.choice(rows)[0])

    def new_patient(self) -> str:
        return f"new patient {self.world.create_patient()['id']}"

    def edit_patient(self) -> str:
        pid = self._patient()
        people = self.world.people
        fields = self.world.rng.choice([
            {"email": people.email("updated", "patient")},
            {"patient_phone_numbers": [{k: v for k, v in people.phone().items()
                                        if k != "normalized_number"}]},
            {"address_1": people.rng.choice(people.streets)},
            {"accepted_email_marketing": True},
        ])
        self.world.update_patient(pid, **fields)
        return f"edited patient {pid}: {', '.join(fields)}"

    def marketing_opt_out(self) -> str:
        pid = self._patient()
        self.world.update_patient(pid, accepted_email_marketing=False, accepted_sms_marketing=False)
        return f"patient {pid} opted out of marketing"

    def archive_patient(self) -> str:
        pid = self._patient()
        self.world.archive_patient(pid)
        return f"archived patient {pid}"

    def merge(self) -> str:
        absorbed, survivor = self.world.rng.sample(self.world.patient_ids(), 2)
        self.world.merge_patients(absorbed, survivor)
        return f"merged patient {absorbed} into {survivor}"

    def book(self) -> str:
        return f"booked appointment {self.world.book_appointment()['id']}"

    def reschedule(self) -> str:
        aid = self._appointment(future=True)
        row = self.world.appointment(aid)
        moved = parse_time(row["starts_at"]) + timedelta(days=self.world.rng.choice([-1, 1, 2, 7]))
        self.world.reschedule_appointment(aid, moved)
        return f"rescheduled appointment {aid}"

    def cancel(self) -> str:
        aid = self._appointment(future=True)
        self.world.cancel_appointment(aid, self.world.rng.choice([10, 20, 30, 40, 50, 60]))
        return f"cancelled appointment {aid}"

    def arrive(self) -> str:
        aid = self._appointment(future=False)
        self.world.mark_arrived(aid)
        return f"patient arrived for appointment {aid}"

    def did_not_arrive(self) -> str:
        aid = self._appointment(future=False)
        self.world.mark_did_not_arrive(aid)
        return f"patient did not arrive for appointment {aid}"

    # -- classes: without any (a world seeded with none) these are skipped (IndexError)

    def _seat(self, *, upcoming: bool) -> str:
        classes = self.world.class_ids(upcoming=upcoming)
        recent = classes[:8] if upcoming else classes[-8:]
        seats = [s for g in recent for s in self.world.seat_ids(g)]
        return self.world.rng.choice(seats)

    def book_class(self) -> str:
        seat = self.world.book_class()
        return f"booked attendee {seat['id']} into a class"

    def cancel_class_seat(self) -> str:
        seat = self._seat(upcoming=True)
        self.world.cancel_attendee(seat, self.world.rng.choice([10, 30, 40, 50]))
        return f"cancelled class attendee {seat}"

    def class_arrived(self) -> str:
        seat = self._seat(upcoming=False)
        self.world.mark_attendee_arrived(seat, True)
        return f"class attendee {seat} arrived"

    def class_no_show(self) -> str:
        seat = self._seat(upcoming=False)
        self.world.mark_attendee_arrived(seat, False)
        return f"class attendee {seat} did not arrive"


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{round(seconds)}s" if minutes < 1 else "minute" if minutes == 1 else f"{minutes} minutes"
