"""`/_sandbox/...`: the HTTP twin of the Python control API, for tests and demos
that drive the sandbox from another process. No auth, no rate limit, not counted.

Bodies are JSON; answers are JSON (rows rendered as `/v1` would show them).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from cliniko_sandbox.responses import json_response, message
from cliniko_sandbox.validation import ValidationFailed
from cliniko_sandbox.world import NotFound

if TYPE_CHECKING:
    from cliniko_sandbox.app import Sandbox

ROUTES = [
    ("/", "info", "GET"),
    ("/reset", "reset", "POST"),
    ("/reseed", "reseed", "POST"),
    ("/patients", "create_patient", "POST"),
    ("/patients/<id>", "show_patient", "GET"),
    ("/patients/<id>", "update_patient", "PATCH"),
    ("/patients/<id>", "delete_patient", "DELETE"),
    ("/patients/<id>/archive", "archive_patient", "POST"),
    ("/patients/<id>/unarchive", "unarchive_patient", "POST"),
    ("/patients/<id>/merge", "merge_patient", "POST"),
    ("/appointments", "book_appointment", "POST"),
    ("/appointments/<id>", "show_appointment", "GET"),
    ("/appointments/<id>", "update_appointment", "PATCH"),
    ("/appointments/<id>", "delete_appointment", "DELETE"),
    ("/appointments/<id>/reschedule", "reschedule_appointment", "POST"),
    ("/appointments/<id>/cancel", "cancel_appointment", "POST"),
    ("/appointments/<id>/arrive", "arrive", "POST"),
    ("/appointments/<id>/did_not_arrive", "did_not_arrive", "POST"),
    ("/appointments/<id>/archive", "archive_appointment", "POST"),
    ("/appointments/<id>/unarchive", "unarchive_appointment", "POST"),
    ("/classes", "create_class", "POST"),
    ("/classes/<id>", "show_class", "GET"),
    ("/classes/<id>/reschedule", "reschedule_class", "POST"),
    ("/classes/<id>/archive", "archive_class", "POST"),
    ("/classes/<id>/attendees", "book_class", "POST"),
    ("/attendees/<id>", "show_attendee", "GET"),
    ("/attendees/<id>/cancel", "cancel_attendee", "POST"),
    ("/attendees/<id>/arrive", "attendee_arrive", "POST"),
    ("/attendees/<id>/did_not_arrive", "attendee_did_not_arrive", "POST"),
    ("/attendees/<id>/archive", "archive_attendee", "POST"),
    ("/appointment_types", "add_appointment_type", "POST"),
    ("/practitioners", "add_practitioner", "POST"),
    ("/practitioners/<id>/activate", "activate_practitioner", "POST"),
    ("/practitioners/<id>/deactivate", "deactivate_practitioner", "POST"),
    ("/businesses", "add_business", "POST"),
    ("/account", "show_account", "GET"),
    ("/account", "set_account", "POST"),
    ("/user", "show_user", "GET"),
    ("/user", "set_user", "POST"),
    ("/faults", "show_faults", "GET"),
    ("/faults", "set_faults", "POST"),
    ("/faults", "clear_faults", "DELETE"),
    ("/rate_limit", "show_rate_limit", "GET"),
    ("/rate_limit", "set_rate_limit", "POST"),
    ("/requests", "show_requests", "GET"),
    ("/requests", "clear_requests", "DELETE"),
    ("/live", "show_live", "GET"),
    ("/live", "set_live", "POST"),
    ("/activity", "activity", "POST"),
]


class Control:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox
        self.url_map = Map([Rule("/_sandbox" + path.rstrip("/"), endpoint=name, methods=[method])
                            for path, name, method in ROUTES], strict_slashes=False)

    def dispatch(self, request: Request) -> Response:
        try:
            name, args = self.url_map.bind_to_environ(request.environ).match()
        except HTTPException as exc:
            return message(exc.name, exc.code or 404)
        try:
            body = json.loads(request.get_data() or b"{}")
            if not isinstance(body, dict):
                raise ValueError("body must be a JSON object")
            return getattr(self, name)(body, request.args, **args)
        except NotFound:
            return message("Not Found", 404)
        except ValidationFailed as exc:
            return json_response(exc.body(), 422)
        except (TypeError, ValueError, KeyError) as exc:
            return message(f"Bad request: {exc}", 400)

    # -- world -----------------------------------------------------------------------

    def info(self, body: dict, args: Any) -> Response:
        sb = self.sb
        return json_response({
            "base_url": sb.world.base_url, "api_key": sb.api_key, "shard": sb.shard,
            "seed": sb.world.seed, "counts": sb.world.counts(),
            "account": {k: sb.world.account()[k] for k in ("name", "subdomain")},
            "rate_limit": sb.rate_limiter.snapshot(), "faults": sb.faults.snapshot(),
            "live": bool(sb.live and sb.live.running),
        })

    def reset(self, body: dict, args: Any) -> Response:
        self.sb.reset(**_sizes(body))
        return json_response({"counts": self.sb.world.counts()})

    def reseed(self, body: dict, args: Any) -> Response:
        self.sb.world.reset(**_sizes(body))
        return json_response({"counts": self.sb.world.counts()})

    def create_patient(self, body: dict, args: Any) -> Response:
        return json_response(self.sb.world.create_patient(**body), 201)

    def show_patient(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.patient(id))

    def update_patient(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.update_patient(id, **body))

    def delete_patient(self, body: dict, args: Any, id: str) -> Response:
        self.sb.world.delete_patient(id, hard=_flag(args.get("hard")) or bool(body.get("hard")))
        return Response(status=204)

    def archive_patient(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.archive_patient(id))

    def unarchive_patient(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.unarchive_patient(id))

    def merge_patient(self, body: dict, args: Any, id: str) -> Response:
        """Merge patient `id` into `body["into"]` (the survivor)."""
        return json_response(self.sb.world.merge_patients(id, body["into"]))

    def book_appointment(self, body: dict, args: Any) -> Response:
        return json_response(self.sb.world.book_appointment(**body), 201)

    def show_appointment(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.appointment(id))

    def update_appointment(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.update_appointment(id, **body))

    def delete_appointment(self, body: dict, args: Any, id: str) -> Response:
        self.sb.world.delete_appointment(id, hard=_flag(args.get("hard")) or bool(body.get("hard")))
        return Response(status=204)

    def reschedule_appointment(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.reschedule_appointment(
            id, body["starts_at"], body.get("ends_at")))

    def cancel_appointment(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.cancel_appointment(
            id, body.get("reason", body.get("cancellation_reason", 50)),
            body.get("note", body.get("cancellation_note"))))

    def arrive(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.mark_arrived(id, body.get("arrived", True)))

    def did_not_arrive(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.mark_did_not_arrive(id))

    def archive_appointment(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.archive_appointment(id))

    def unarchive_appointment(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.unarchive_appointment(id))

    # -- classes and their attendees ---------------------------------------------------

    def create_class(self, body: dict, args: Any) -> Response:
        return json_response(self.sb.world.create_group_appointment(body), 201)

    def show_class(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.group_appointment(id))

    def reschedule_class(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.reschedule_group_appointment(id, body["starts_at"]))

    def archive_class(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.archive_group_appointment(id))

    def book_class(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.book_class(body.get("patient_id"), id), 201)

    def show_attendee(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.attendee(id))

    def cancel_attendee(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.cancel_attendee(
            id, body.get("reason", body.get("cancellation_reason", 50)),
            body.get("note", body.get("cancellation_note"))))

    def attendee_arrive(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.mark_attendee_arrived(id, body.get("arrived", True)))

    def attendee_did_not_arrive(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.mark_attendee_arrived(id, False))

    def archive_attendee(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.archive_attendee(id))

    def add_appointment_type(self, body: dict, args: Any) -> Response:
        return json_response(self.sb.world.add_appointment_type(**body), 201)

    def add_practitioner(self, body: dict, args: Any) -> Response:
        return json_response(self.sb.world.add_practitioner(**body), 201)

    def activate_practitioner(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.set_practitioner_active(id, True))

    def deactivate_practitioner(self, body: dict, args: Any, id: str) -> Response:
        return json_response(self.sb.world.set_practitioner_active(id, False))

    def add_business(self, body: dict, args: Any) -> Response:
        return json_response(self.sb.world.add_business(**body), 201)

    # -- the account and the key's user ----------------------------------------------

    def show_account(self, body: dict, args: Any) -> Response:
        return json_response(_account(self.sb.world.account()))

    def set_account(self, body: dict, args: Any) -> Response:
        """Change `name`, `subdomain`, `email_from` or `time_zone_support` (until reset)."""
        return json_response(_account(self.sb.world.set_account(**body)))

    def show_user(self, body: dict, args: Any) -> Response:
        return json_response(self.sb.world.key_user())

    def set_user(self, body: dict, args: Any) -> Response:
        """`{"role": "receptionist"}`: the key's user gets that security role (until reset)."""
        return json_response(self.sb.world.set_key_user_role(body["role"]))

    # -- faults, rate limit, counters, live ------------------------------------------

    def show_faults(self, body: dict, args: Any) -> Response:
        return json_response(self.sb.faults.snapshot())

    def set_faults(self, body: dict, args: Any) -> Response:
        return json_response(self.sb.faults.set(**body))

    def clear_faults(self, body: dict, args: Any) -> Response:
        self.sb.faults.clear()
        return json_response(self.sb.faults.snapshot())

    def show_rate_limit(self, body: dict, args: Any) -> Response:
        return json_response(self.sb.rate_limiter.snapshot())

    def set_rate_limit(self, body: dict, args: Any) -> Response:
        self.sb.set_rate_limit(body.get("enabled", True), body.get("per_minute"))
        return json_response(self.sb.rate_limiter.snapshot())

    def show_requests(self, body: dict, args: Any) -> Response:
        return json_response(self.sb.requests.snapshot())

    def clear_requests(self, body: dict, args: Any) -> Response:
        self.sb.requests.reset()
        return json_response(self.sb.requests.snapshot())

    def show_live(self, body: dict, args: Any) -> Response:
        return json_response({"running": bool(self.sb.live and self.sb.live.running)})

    def set_live(self, body: dict, args: Any) -> Response:
        from cliniko_sandbox.live import LiveActivity

        if body.get("enabled", True):
            if not (self.sb.live and self.sb.live.running):
                self.sb.live = LiveActivity(self.sb.world, interval=float(body.get("interval", 3)))
                self.sb.live.start()
        elif self.sb.live:
            self.sb.live.stop()
        return self.show_live(body, args)

    def activity(self, body: dict, args: Any) -> Response:
        """Run N steps of live activity now (deterministic for the world's seed)."""
        from cliniko_sandbox.live import LiveActivity

        events = LiveActivity(self.sb.world).step(int(body.get("steps", 1)))
        return json_response({"events": events})


def _account(row: dict) -> dict:
    """The account as the control surface shows it: ids as strings, as in `/v1`."""
    return {**row, "id": str(row["id"]), "key_user_id": str(row["key_user_id"])}


def _sizes(body: dict) -> dict[str, int]:
    return {k: int(body[k]) for k in ("patients", "appointments", "seed", "classes")
            if k in body}


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


