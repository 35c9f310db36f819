"""Merge fields: `{{ contact.first_name }}` and friends, rendered in a locked-down Jinja sandbox.

Templates are written by staff but rendered with patient data, so only the documented fields are
reachable: `check_template` walks the parsed template and refuses anything not on the allow-list
(unknown names and attributes, calls, arithmetic, loops, includes) with its line, and the
renderer re-checks, runs in `ImmutableSandboxedEnvironment` and caps the output. The context is
made of plain frozen dataclasses of strings, never models.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import TemplateError as JinjaError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

MAX_SOURCE_CHARS = 20_000
MAX_OUTPUT_CHARS = 100_000
MAX_DEPTH = 12  # of nested conditions and expressions: {% if %}{% if %}…, {{ a or (b or (c ...)) }}

# Every field a template may use, with what staff see in the field list.
FIELDS: dict[str, str] = {
    "contact.first_name": "First name",
    "contact.last_name": "Last name",
    "contact.full_name": "First and last name",
    "appointment.date": "Appointment date, e.g. Tuesday 4 March 2025",
    "appointment.time": "Appointment time, e.g. 10:30 am",
    "appointment.starts_at": "Appointment date and time",
    "appointment.type": "Appointment type, e.g. Initial consultation",
    "appointment.practitioner": "Practitioner's name",
    "appointment.location": "Where: the clinic's business name in Cliniko",
    "clinic.name": "Clinic name",
    "clinic.booking_url": "Online booking link",
    "unsubscribe_url": "Unsubscribe link (marketing messages)",
}
# Filters and tests allowed, with how many values each may be given.
FILTER_ARGS = {"default": 2, "upper": 0, "lower": 0, "title": 0, "capitalize": 0, "trim": 0}
FILTERS = set(FILTER_ARGS)
TESTS = {"defined", "undefined", "none"}
_ROOTS = {name.split(".")[0] for name in FIELDS}
_TAG_NAMES = {
    nodes.For: "for", nodes.Macro: "macro", nodes.CallBlock: "call", nodes.FilterBlock: "filter",
    nodes.With: "with", nodes.Block: "block", nodes.Include: "include", nodes.Import: "import",
    nodes.FromImport: "from … import", nodes.Extends: "extends", nodes.Assign: "set", nodes.AssignBlock: "set",
    nodes.ExprStmt: "do", nodes.Scope: "scope", nodes.OverlayScope: "overlay",
}
# Node types that may appear anywhere; each still has its own checks below.
_ALLOWED = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.Const, nodes.Name, nodes.Getattr,
            nodes.Filter, nodes.Test, nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not,
            nodes.CondExpr, nodes.Concat)


class TemplateError(Exception):
    """A template that cannot be rendered; `str()` is a sentence for staff ("failed: template")."""


class Mode(enum.Enum):
    TEXT = "text"  # SMS, subjects, plain text: values as they are
    MARKDOWN = "markdown"  # email bodies: values cannot add Markdown links or formatting
    HTML = "html"  # values HTML-escaped


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class ContactFields:
    first_name: str = ""
    last_name: str = ""
    full_name: str = ""


@dataclass(frozen=True, slots=True)
class AppointmentFields:
    date: str = ""
    time: str = ""
    starts_at: str = ""
    type: str = ""
    practitioner: str = ""
    location: str = ""


@dataclass(frozen=True, slots=True)
class ClinicFields:
    name: str = ""
    booking_url: str = ""


@dataclass(frozen=True, slots=True)
class MergeContext:
    """What one message is rendered with. Build it with the `*_fields` functions."""

    contact: ContactFields = field(default_factory=ContactFields)
    appointment: AppointmentFields = field(default_factory=AppointmentFields)
    clinic: ClinicFields = field(default_factory=ClinicFields)
    unsubscribe_url: str = ""

    def as_variables(self) -> dict[str, object]:
        return {"contact": self.contact, "appointment": self.appointment, "clinic": self.clinic,
                "unsubscribe_url": self.unsubscribe_url}


def contact_fields(contact) -> ContactFields:
    first, last = (contact.first_name or "").strip(), (contact.last_name or "").strip()
    return ContactFields(first_name=first, last_name=last, full_name=" ".join(p for p in (first, last) if p))


def appointment_fields(appointment, zone: ZoneInfo | str, location: str = "") -> AppointmentFields:
    """Times in the clinic's zone (the offset of that very day, so DST is right); the location is the
    appointment's synced Cliniko business unless `location` names it."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    if not location and getattr(appointment, "business", None) is not None:
        location = appointment.business.name
    local = appointment.starts_at.astimezone(zone)
    kind = appointment.appointment_type.name if appointment.appointment_type else ""
    practitioner = appointment.practitioner
    who = ""
    if practitioner is not None:
        who = practitioner.display_name or " ".join(
            p for p in (practitioner.title, practitioner.first_name, practitioner.last_name) if p)
    return AppointmentFields(date=format_date(local), time=format_time(local),
                             starts_at=f"{format_date(local)} at {format_time(local)}",
                             type=kind, practitioner=who, location=location or "")


def format_date(local: datetime) -> str:
    return f"{local:%A} {local.day} {local:%B %Y}"


def format_time(local: datetime) -> str:
    hour = local.hour % 12 or 12
    return f"{hour}:{local:%M} {'am' if local.hour < 12 else 'pm'}"


def _default(value, default_value: str = "", boolean: bool = True):
    """Jinja's `default`, but an empty name also falls back (Cliniko has patients without one)."""
    from jinja2 import Undefined

    if isinstance(value, Undefined) or (boolean and not value):
        return default_value
    return value


def markdown_escape(value) -> str:
    """Backslash-escape Markdown punctuation so a patient's name stays text (CommonMark §2.4)."""
    text = "" if value is None else str(value)
    return re.sub(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])", r"\\\1", text)


class _Environment(ImmutableSandboxedEnvironment):
    """Nothing but the allow-listed filters and tests; no globals (no range, lipsum, dict...)."""

    def __init__(self, mode: Mode):
        super().__init__(autoescape=mode is Mode.HTML, undefined=StrictUndefined, keep_trailing_newline=True,
                         finalize=markdown_escape if mode is Mode.MARKDOWN else None)
        self.globals.clear()
        self.filters = {name: self.filters[name] for name in FILTERS - {"default"}} | {"default": _default}
        self.tests = {name: self.tests[name] for name in TESTS}


_ENVIRONMENTS = {mode: _Environment(mode) for mode in Mode}
_PARSER = _ENVIRONMENTS[Mode.TEXT]


def check_template(source: str) -> list[TemplateProblem]:
    """Every reason `source` may not be saved, each with its line; empty when it is fine."""
    return list(_check(source))


@lru_cache(maxsize=256)  # a campaign renders one template thousands of times
def _check(source: str) -> tuple[TemplateProblem, ...]:
    if len(source) > MAX_SOURCE_CHARS:
        return (TemplateProblem(1, f"This is {len(source):,} characters long; the most is {MAX_SOURCE_CHARS:,}."),)
    try:
        tree = _PARSER.parse(source)
    except TemplateSyntaxError as exc:
        return (TemplateProblem(exc.lineno or 1, _syntax_message(exc)),)
    except RecursionError:
        return (TemplateProblem(1, "Too many conditions or brackets inside each other."),)
    problems = dict.fromkeys(_walk(tree, depth=0))  # one mention of each problem per line
    return tuple(sorted(problems, key=lambda p: p.line))


def _syntax_message(exc: TemplateSyntaxError) -> str:
    message = exc.message or "This could not be read."
    tag = re.match(r"Encountered unknown tag '(\w+)'", message)
    if tag:
        return f"“{{% {tag.group(1)} %}}” is not allowed: only {{% if %}} … {{% endif %}} can be used."
    return f"This could not be read: {message.rstrip('.')}."


def _walk(node: nodes.Node, depth: int) -> Iterator[TemplateProblem]:
    line = getattr(node, "lineno", 1) or 1
    if depth > MAX_DEPTH:
        yield TemplateProblem(line, "Too many conditions or brackets inside each other.")
        return
    if type(node) in _TAG_NAMES:
        yield TemplateProblem(line, f"“{{% {_TAG_NAMES[type(node)]} %}}” is not allowed: "
                                    "only {% if %} … {% endif %} can be used.")
        return
    if isinstance(node, (nodes.Getattr, nodes.Name)):
        yield from _check_field(node, line)
        return
    if isinstance(node, nodes.Call):
        yield TemplateProblem(line, "Calling functions is not allowed: use the merge fields as they are.")
        return
    if isinstance(node, (nodes.Getitem, nodes.Slice)):
        yield TemplateProblem(line, "Square brackets are not allowed: write fields like contact.first_name.")
        return
    if isinstance(node, (nodes.BinExpr, nodes.UnaryExpr)) and not isinstance(node, (nodes.And, nodes.Or, nodes.Not)):
        yield TemplateProblem(line, "Arithmetic is not allowed in a message.")
        return
    if isinstance(node, nodes.Filter) and node.name not in FILTERS:
        yield TemplateProblem(line, f"There is no filter called “{node.name}”. You can use: "
                                    f"{', '.join(sorted(FILTERS))}.")
        return
    if isinstance(node, nodes.Test) and node.name not in TESTS:
        yield TemplateProblem(line, f"There is no test called “{node.name}”.")
        return
    if isinstance(node, (nodes.Filter, nodes.Test)) and (node.kwargs or node.dyn_args or node.dyn_kwargs):
        yield TemplateProblem(line, f"Give “{node.name}” its values in order, without names.")
        return
    allowed_args = FILTER_ARGS[node.name] if isinstance(node, nodes.Filter) else 0 if isinstance(node, nodes.Test) else None
    if allowed_args is not None and len(node.args) > allowed_args:
        yield TemplateProblem(line, f"“{node.name}” takes no values in brackets." if not allowed_args else
                              f"“{node.name}” takes at most {allowed_args} values, e.g. default(\"there\").")
        return
    if isinstance(node, nodes.Const) and not isinstance(node.value, (str, int, bool, type(None))):
        yield TemplateProblem(line, "Only text and whole numbers can be written here.")
        return
    if not isinstance(node, _ALLOWED):
        yield TemplateProblem(line, f"“{type(node).__name__}” is not allowed in a message.")
        return
    nested = isinstance(node, (nodes.Expr, nodes.If))
    for child in node.iter_child_nodes():
        yield from _walk(child, depth + 1 if nested else depth)


def _check_field(node: nodes.Getattr | nodes.Name, line: int) -> Iterator[TemplateProblem]:
    path: list[str] = []
    current: nodes.Node = node
    while isinstance(current, nodes.Getattr):
        path.insert(0, current.attr)
        current = current.node
    if not isinstance(current, nodes.Name):
        yield TemplateProblem(line, "Only merge fields such as contact.first_name can be used here.")
        return
    path.insert(0, current.name)
    dotted = ".".join(path)
    if dotted in FIELDS:
        return
    if dotted in _ROOTS:
        fields = ", ".join(name for name in FIELDS if name.startswith(dotted + "."))
        yield TemplateProblem(line, f"“{dotted}” needs a field after it: {fields}.")
    else:
        yield TemplateProblem(line, f"There is no merge field called “{dotted}”.")


@lru_cache(maxsize=256)
def _compile(source: str, mode: Mode):
    return _ENVIRONMENTS[mode].from_string(source)


def render(source: str, context: MergeContext, mode: Mode = Mode.TEXT) -> str:
    """`source` with the merge fields filled in; TemplateError says why not.

    The output is capped at MAX_OUTPUT_CHARS: with no loops a template cannot grow much past its
    own size, but a cap makes that a promise rather than an argument."""
    problems = check_template(source)
    if problems:
        raise TemplateError("; ".join(str(p) for p in problems))
    try:
        template = _compile(source, mode)
        parts, size = [], 0
        for chunk in template.generate(context.as_variables()):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateError(f"The message would be longer than {MAX_OUTPUT_CHARS:,} characters.")
            parts.append(chunk)
    except JinjaError as exc:
        raise TemplateError(f"The template could not be filled in: {exc.message or exc}.") from exc
    except (TypeError, ValueError) as exc:  # a filter given a value it cannot take: never a crash
        raise TemplateError(f"The template could not be filled in: {exc}.") from exc
    except (SyntaxError, RecursionError) as exc:  # Python's own limits when compiling; the check should stop these first
        raise TemplateError("The template has too many conditions inside each other.") from exc
    text = "".join(parts)
    return Markup(text) if mode is Mode.HTML else text


def sample_context(clinic: ClinicFields = ClinicFields(), unsubscribe_url: str = "") -> MergeContext:
    """Made-up values for a preview before staff pick a contact."""
    return MergeContext(
        contact=ContactFields("Alex", "Citizen", "Alex Citizen"),
        appointment=AppointmentFields("Tuesday 4 March 2025", "10:30 am", "Tuesday 4 March 2025 at 10:30 am",
                                      "Standard consultation", "Dr Sam Lee", clinic.name),
        clinic=clinic, unsubscribe_url=unsubscribe_url)


__all__ = ["FIELDS", "AppointmentFields", "ClinicFields", "ContactFields", "MergeContext", "Mode", "TemplateError",
           "TemplateProblem", "appointment_fields", "check_template", "contact_fields", "render",
           "sample_context"]
