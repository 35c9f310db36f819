"""Merge fields: only the documented fields render; every escape route is refused on save and bounded on send."""
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from jinja2.sandbox import SecurityError

from oncord.messaging import merge_fields
from oncord.messaging.merge_fields import (MAX_OUTPUT_CHARS, ContactFields, MergeContext, Mode, TemplateError,
                                           appointment_fields, check_template, contact_fields, render, sample_context)

ATTACKS = [
    "{{ config }}",
    "{{ config.SECRET_KEY }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ contact.__class__.__init__.__globals__ }}",
    "{{ self }}",
    "{{ self.__init__.__globals__.os }}",
    "{{ request.environ }}",
    "{% include 'base.html' %}",
    "{% import 'base.html' as b %}",
    "{% from 'base.html' import x %}",
    "{% extends 'base.html' %}",
    "{{ range(10**9) }}",
    "{% for i in range(10**9) %}x{% endfor %}",
    "{{ 'x' * 10**9 }}",
    "{{ contact.first_name * 1000000 }}",
    "{{ lipsum(10000) }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ contact.first_name|attr('__class__') }}",
    "{{ contact.first_name|format('%s') }}",
    "{{ contact['first_name'] }}",
    "{% set x = contact %}{{ x }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{{ contact.first_name.upper() }}",
    "{{ [1, 2] }}",
    "{{ {'a': 1} }}",
    "{% filter upper %}x{% endfilter %}",
    "{% raw %}{% endraw %}{{ unknown }}",
    "{{ contact.first_name is sameas contact }}",
    "{{ (" * 300 + "1" + ")" * 300 + " }}",
    "{% if a %}" * 200 + "{% endif %}" * 200,
    "{% if contact.first_name %}" * 100 + "x" + "{% endif %}" * 100,  # past Python's 100 indentation levels
    "{{ contact.first_name | upper(1) }}",
    "{{ contact.first_name | default('a', true, 3) }}",
    "{{ contact.first_name is defined(1) }}",
]


@pytest.mark.parametrize("source", ATTACKS)
def test_attacks_are_refused_when_saved_and_when_rendered(source):
    assert check_template(source), source
    with pytest.raises(TemplateError):
        render(source, sample_context())


def test_the_sandbox_itself_blocks_attribute_escapes_even_without_the_check():
    """The allow-list is the first wall; ImmutableSandboxedEnvironment with no globals is the second."""
    environment = merge_fields._ENVIRONMENTS[Mode.TEXT]
    assert environment.globals == {}
    with pytest.raises(SecurityError):
        environment.from_string("{{ ''.__class__.__mro__ }}").render()
    with pytest.raises(Exception):
        environment.from_string("{{ range(3) }}").render()


def test_problems_carry_their_line_and_a_reason():
    problems = check_template("Hello\n{{ contact.first_name }}\n\n{{ contact.frist_name }}\n{{ appointment }}")
    assert [(p.line, p.message) for p in problems] == [
        (4, "There is no merge field called “contact.frist_name”."),
        (5, "“appointment” needs a field after it: appointment.date, appointment.time, appointment.starts_at, "
            "appointment.type, appointment.practitioner, appointment.location."),
    ]
    [syntax] = check_template("one\ntwo {{ contact.first_name \nthree")
    assert syntax.line in (2, 3) and syntax.message.startswith("This could not be read:")
    assert check_template("{% for x in y %}{% endfor %}")[0].message.startswith("“{% for %}” is not allowed")
    assert check_template("{{ contact.first_name | reverse }}")[0].message.startswith("There is no filter called “reverse”")


def test_every_documented_field_is_allowed_and_renders():
    for name in merge_fields.FIELDS:
        assert check_template("{{ " + name + " }}") == [], name
    source = " | ".join("{{ " + name + " }}" for name in merge_fields.FIELDS)
    assert render(source, sample_context()).count(" | ") == len(merge_fields.FIELDS) - 1


def test_default_falls_back_for_missing_and_empty_names():
    source = 'Hi {{ contact.first_name | default("there") }},'
    assert render(source, MergeContext()) == "Hi there,"
    assert render(source, MergeContext(contact=contact_fields(SimpleNamespace(first_name="  ", last_name="Lee")))) == "Hi there,"
    assert render(source, MergeContext(contact=ContactFields(first_name="Ana"))) == "Hi Ana,"
    assert render('{% if appointment.practitioner %}with {{ appointment.practitioner }}{% endif %}.', MergeContext()) == "."


def test_values_are_escaped_for_html_and_for_markdown_but_not_for_plain_text():
    context = MergeContext(contact=ContactFields(first_name="<b>[x](https://evil.example)</b>*"))
    assert render("{{ contact.first_name }}", context, Mode.TEXT) == "<b>[x](https://evil.example)</b>*"
    assert "&lt;b&gt;" in render("{{ contact.first_name }}", context, Mode.HTML)
    assert render("{{ contact.first_name }}", context, Mode.MARKDOWN) == r"\<b\>\[x\]\(https\:\/\/evil\.example\)\<\/b\>\*"


def test_the_output_is_capped():
    source = "{{ contact.first_name }}" * 800  # within the source limit
    long_name = MergeContext(contact=ContactFields(first_name="x" * 255))
    with pytest.raises(TemplateError, match=f"longer than {MAX_OUTPUT_CHARS:,}"):
        render(source, long_name)
    assert check_template("x" * (merge_fields.MAX_SOURCE_CHARS + 1))[0].message.startswith("This is 20,001 characters")


def _appointment(starts_at):
    return SimpleNamespace(starts_at=starts_at, appointment_type=SimpleNamespace(name="Initial consultation"),
                           practitioner=SimpleNamespace(display_name=None, title="Dr", first_name="Sam", last_name="Lee"))


def test_appointment_times_are_in_the_clinic_zone_across_a_dst_change():
    # Sydney leaves daylight saving at 3 am on Sunday 6 April 2025 (UTC+11 -> UTC+10).
    before = appointment_fields(_appointment(datetime(2025, 4, 4, 22, 0, tzinfo=timezone.utc)), "Australia/Sydney")
    after = appointment_fields(_appointment(datetime(2025, 4, 6, 22, 0, tzinfo=timezone.utc)), "Australia/Sydney")
    assert (before.date, before.time) == ("Saturday 5 April 2025", "9:00 am")
    assert (after.date, after.time) == ("Monday 7 April 2025", "8:00 am")
    # and enters it at 2 am on Sunday 5 October 2025 (UTC+10 -> UTC+11).
    spring = appointment_fields(_appointment(datetime(2025, 10, 5, 2, 30, tzinfo=timezone.utc)), "Australia/Sydney")
    assert spring.starts_at == "Sunday 5 October 2025 at 1:30 pm"
    assert (before.type, before.practitioner) == ("Initial consultation", "Dr Sam Lee")


def test_the_context_holds_plain_values_not_models():
    for value in MergeContext().as_variables().values():
        assert isinstance(value, (str, merge_fields.ContactFields, merge_fields.AppointmentFields, merge_fields.ClinicFields))
    with pytest.raises(Exception):
        MergeContext().contact.first_name = "changed"  # frozen
