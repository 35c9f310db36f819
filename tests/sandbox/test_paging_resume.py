"""Deep pages continue after the previous page's last row, and give what OFFSET would."""


def _all_ids(session, url, params):
    ids, next_url = [], url
    while next_url:
        body = session.get(next_url, params=params).json()
        ids += [row["id"] for row in body["patients"]]
        next_url, params = body["links"].get("next"), None
    return ids


def test_resumed_pages_equal_offset_pages(sandbox, sandbox_session):
    sandbox.reset(patients=450, seed=3)
    url = f"{sandbox.base_url}/patients"
    params = {"per_page": 50, "sort": "updated_at", "q[]": "archived_at:*"}
    followed = _all_ids(sandbox_session, url, params)
    # each page asked for alone (cold: OFFSET) must match the followed (resumed) walk
    sandbox.world._pages.clear()
    cold = []
    for number in range(1, 11):
        sandbox.world._pages.clear()
        body = sandbox_session.get(url, params={**params, "page": number}).json()
        cold += [row["id"] for row in body["patients"]]
    assert followed == cold and len(followed) == len(set(followed))


def test_a_write_between_pages_drops_the_shortcut(sandbox, sandbox_session):
    sandbox.reset(patients=120, seed=4)
    url = f"{sandbox.base_url}/patients"
    first = sandbox_session.get(url, params={"per_page": 50, "sort": "updated_at"}).json()
    moved = first["patients"][0]["id"]
    sandbox.world.update_patient(moved, first_name="Moved")  # now sorts last
    second = sandbox_session.get(first["links"]["next"]).json()
    third = sandbox_session.get(second["links"]["next"]).json()
    ids = [r["id"] for r in first["patients"] + second["patients"] + third["patients"]]
    assert ids[-1] == moved  # seen again at its new place, as with plain OFFSET paging
