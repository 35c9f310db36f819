import pytest

from oncord.contacts import search
from oncord.contacts.search import ContactFilters, count_contacts, search_contacts, search_terms
from oncord.models import ConsentStatus
from tests.factories import ContactFactory


def names(page):
    return [contact.name for contact in page.contacts]


@pytest.fixture(params=["sorted", "index"])
def order_by(request, monkeypatch):
    """Both ways to page: sorting few matches, or walking the name index past the count cap."""
    if request.param == "index":
        monkeypatch.setattr(search, "COUNT_CAP", 0)
    return request.param


def test_terms_are_lowercased_and_phone_like_terms_become_digits():
    assert search_terms("  Ana  SMITH ") == ["ana", "smith"]
    assert search_terms("+61 (04) 12-345.678") == ["61", "04", "12345678"]
    assert search_terms("ana@mail.example o'brien") == ["ana@mail.example", "o'brien"]
    assert search_terms("") == []


def test_every_term_must_match_name_email_or_phone(db, order_by):
    ContactFactory(first_name="Ana", last_name="Smith", email="ana@mail.example", phone="+61412345678")
    ContactFactory(first_name="Ana", last_name="Jones", email="aj@mail.example", phone="+61498765432")
    ContactFactory(first_name="Ben", last_name="Smith", email="ben@other.example", phone=None)

    assert names(search_contacts(ContactFilters("ana smith"))) == ["Ana Smith"]
    assert names(search_contacts(ContactFilters("SMI"))) == ["Ana Smith", "Ben Smith"]
    assert names(search_contacts(ContactFilters("other.example"))) == ["Ben Smith"]
    assert names(search_contacts(ContactFilters("0412 345 678"))) == ["Ana Smith"]  # typed the local way
    assert names(search_contacts(ContactFilters("+61 498"))) == ["Ana Jones"]
    assert names(search_contacts(ContactFilters("ana zed"))) == []


def test_like_wildcards_are_taken_literally(db):
    ContactFactory(first_name="Ana", last_name="Smith")
    ContactFactory(first_name="Cat", last_name="100%_sure")
    assert names(search_contacts(ContactFilters("%"))) == ["Cat 100%_sure"]
    assert names(search_contacts(ContactFilters("_"))) == ["Cat 100%_sure"]


def test_filters_by_link_and_marketing_status(db, order_by):
    ContactFactory(first_name="Linked", last_name="A", linked=True, email_status="subscribed", sms_status="unsubscribed")
    ContactFactory(first_name="Local", last_name="B", email_status="unsubscribed", sms_status="subscribed")
    ContactFactory(first_name="Other", last_name="C", linked=True)

    assert names(search_contacts(ContactFilters(linked=True))) == ["Linked A", "Other C"]
    assert names(search_contacts(ContactFilters(linked=False))) == ["Local B"]
    assert names(search_contacts(ContactFilters(email_status=ConsentStatus.SUBSCRIBED))) == ["Linked A"]
    assert names(search_contacts(ContactFilters(sms_status=ConsentStatus.SUBSCRIBED))) == ["Local B"]
    assert names(search_contacts(ContactFilters(sms_status=ConsentStatus.PENDING, linked=True))) == ["Other C"]
    assert not ContactFilters().narrowed and ContactFilters(linked=False).narrowed and ContactFilters("x").narrowed


def test_pages_follow_last_then_first_name_then_id(db, order_by):
    for last, first in [("Young", "Zoe"), ("Adams", "Max"), ("Adams", "Amy"), ("Brown", "Kim"), ("Adams", "Amy")]:
        ContactFactory(first_name=first, last_name=last)
    first = search_contacts(ContactFilters(), limit=2)
    assert names(first) == ["Amy Adams", "Amy Adams"] and first.prev_before is None
    second = search_contacts(ContactFilters(), after=first.next_after, limit=2)
    assert names(second) == ["Max Adams", "Kim Brown"]
    third = search_contacts(ContactFilters(), after=second.next_after, limit=2)
    assert names(third) == ["Zoe Young"] and third.next_after is None
    back = search_contacts(ContactFilters(), before=third.prev_before, limit=2)
    assert [c.id for c in back.contacts] == [c.id for c in second.contacts]
    assert back.prev_before == second.prev_before and back.next_after == second.next_after


def test_paging_back_to_the_top_shows_a_full_first_page(db, order_by):
    contacts = [ContactFactory(first_name="P", last_name=f"Person {n}") for n in range(5)]
    page = search_contacts(ContactFilters(), before=contacts[1].id, limit=3)
    assert names(page) == ["P Person 0", "P Person 1", "P Person 2"] and page.prev_before is None


def test_a_cursor_of_a_deleted_contact_starts_at_the_top(db):
    ContactFactory(first_name="Ana", last_name="Smith")
    assert names(search_contacts(ContactFilters(), after=999_999)) == ["Ana Smith"]
    assert names(search_contacts(ContactFilters(), before=999_999)) == ["Ana Smith"]


def test_counts_stop_at_the_cap(db):
    ContactFactory.create_batch(4, last_name="Smith")
    ContactFactory(last_name="Jones")
    assert count_contacts(ContactFilters()) == 5
    assert count_contacts(ContactFilters("smith")) == 4
    assert count_contacts(ContactFilters(), cap=2) == 3  # "more than 2"
    page = search_contacts(ContactFilters("smith"))
    assert page.total == 4 and not page.total_is_capped
    assert search_contacts(ContactFilters("nobody")) == search.ContactPage(total=0)


def test_postgresql_serves_substring_search_from_a_trigram_index(db):
    """SQLite scans (it has no such index); PostgreSQL's planner can use pg_trgm's."""
    from sqlalchemy import inspect, text

    from oncord.models.contact import SEARCH_TRIGRAM_INDEX

    indexes = {index["name"] for index in inspect(db.engine).get_indexes("contacts")}
    if db.engine.dialect.name != "postgresql":
        assert SEARCH_TRIGRAM_INDEX not in indexes
        return
    assert SEARCH_TRIGRAM_INDEX in indexes
    ContactFactory(first_name="Ana", last_name="Smith")
    db.session.flush()
    stmt = select_count_of(ContactFilters(query="smit"))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a table of one row is scanned otherwise
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = "\n".join(row[0] for row in db.session.execute(text("EXPLAIN " + sql)))
    assert SEARCH_TRIGRAM_INDEX in plan, plan
    db.session.rollback()


def select_count_of(filters):
    from sqlalchemy import func, select

    from oncord.models import Contact

    return select(func.count()).select_from(Contact).where(*search._conditions(filters))
