"""The walk through "More Articles" slices, under every reading of ``to``."""

from __future__ import annotations

import pytest

from vok_crawler.site.slices import Control, Slice, SliceWalk, parse_slice, slice_size

ORIGIN = "http://127.0.0.1:8163"


def teasers(start: int, held: int) -> list[str]:
    """The URLs of ``held`` teasers from offset ``start`` of the source's list."""
    return [f"{ORIGIN}/newstream/{n}-{n}/a/" for n in range(start, start + held)]


def serve(reading: str, total: int, page: int = 12):
    """A server's answer to ``from``/``to``: how many teasers it holds (of ``total``)."""

    def held(asked: Slice) -> int:
        if reading == "count":
            end = asked.start + asked.to
        elif reading == "end":
            end = asked.to
        else:  # the server ignores ``to`` and answers its own page size
            end = asked.start + page
        return max(0, min(end, total) - asked.start)

    return held


@pytest.mark.parametrize("reading", ["count", "end", "fixed"])
@pytest.mark.parametrize("total", [13, 24, 40, 101])
def test_a_built_walk_leaves_no_gap_and_keeps_slices_near_the_sites_size(reading, total):
    held_by = serve(reading, total)
    walk = SliceWalk()
    walk.learn(Control(source_id="190163", start=12, size=12, route="data"), teasers_on_page=12)
    covered = set(range(12))
    start, sizes = 12, []
    while walk.claim(start):
        asked = walk.slice_at(start)
        assert asked is not None and asked.to > (0 if walk.reading == "count" else asked.start)  # never to <= from
        held = held_by(asked)
        walk.observe(asked, teasers(start, held))
        if not held:
            break
        covered |= set(range(start, start + held))
        sizes.append(held)
        start += held
    assert covered == set(range(total))
    assert all(size <= 24 for size in sizes)  # at most twice the site's own size, once
    assert sum(size > 12 for size in sizes) <= 1


def test_a_slice_holding_more_than_asked_for_shows_that_to_is_a_count():
    walk = SliceWalk(source_id="7", size=12)
    walk.observe(Slice("7", 12, 24), teasers(12, 24))
    assert walk.reading == "count"
    assert walk.slice_at(36) == Slice("7", 36, 12)
    end_walk = SliceWalk(source_id="7", size=12)
    end_walk.observe(Slice("7", 12, 24), teasers(12, 12))
    assert end_walk.reading == "unknown" and end_walk.slice_at(24) == Slice("7", 24, 36)


def test_the_site_link_with_to_as_a_count_teaches_the_reading():
    walk = SliceWalk(source_id="7", size=12)
    walk.observe(Slice("7", 12, 12), teasers(12, 12))  # from=12&to=12 answered with 12 teasers
    assert walk.reading == "count"


def test_without_an_id_or_a_size_no_slice_is_built():
    assert SliceWalk(size=12).slice_at(12) is None
    walk = SliceWalk(source_id="7")
    assert walk.slice_at(12) is None
    walk.learn(Control(route="none"), teasers_on_page=12)
    assert walk.slice_at(12) == Slice("7", 12, 24)


def test_the_users_id_wins_over_the_page_and_the_page_over_memory():
    given = SliceWalk(source_id="1", given_id=True)
    given.learn(Control(source_id="2", route="data"), 12)
    assert given.source_id == "1"
    remembered = SliceWalk(source_id="1", size=10)
    remembered.learn(Control(source_id="2", size=12, route="data"), 12)
    assert (remembered.source_id, remembered.size) == ("2", 12)


def test_each_offset_is_asked_for_once():
    walk = SliceWalk(source_id="7", size=12)
    assert walk.claim(12) and not walk.claim(12) and walk.claim(24)


@pytest.mark.parametrize(
    ("start", "to", "size"),
    [(12, 12, 12), (12, 24, 12), (None, 10, 10), (12, None, None), (0, 0, None), (12, 5000, None)],
)
def test_a_controls_size_under_either_reading(start, to, size):
    assert slice_size(start, to) == size


def test_slice_urls_are_built_and_read_back():
    url = Slice("190163", 36, 12).url(ORIGIN)
    assert url.startswith(f"{ORIGIN}/wp-admin/admin-ajax.php?")
    assert parse_slice(url) == Slice("190163", 36, 12)
    assert "action=get_cat_by_source" in url and "die=true" in url and "sort=" in url
    assert parse_slice(f"{ORIGIN}/wp-admin/admin-ajax.php?action=other&from=1&to=2&id=3") is None
    assert parse_slice(f"{ORIGIN}/wp-admin/admin-ajax.php?action=get_cat_by_source&from=x&id=3") is None
    assert parse_slice(f"{ORIGIN}/article/163/") is None


@pytest.mark.parametrize(
    ("offered", "expected"),
    [(24, 24), (20, 20), (12, 24), (5, 24), (36, 24), (99999999999999999999999, 24), (None, 24)],
    ids=["the-next", "an-overlap", "itself", "back", "a-gap", "absurd", "none"],
)
def test_a_link_goes_on_only_between_this_slice_and_the_offset_after_its_teasers(offered, expected):
    assert SliceWalk().next_start(Slice("7", 12, 12), 12, offered) == expected


@pytest.mark.parametrize(("start", "end"), [(20, False), (23, False), (24, True), (25, True)])
def test_an_empty_slice_is_the_end_only_at_the_offset_after_the_last_teaser_seen(start, end):
    """At 24, the offset after the 24 teasers seen, or beyond it; one short of it (23) is a gap, not the end."""
    walk = SliceWalk(source_id="7", size=12)
    walk.observe(None, teasers(0, 12))
    walk.observe(Slice("7", 12, 12), teasers(12, 12))
    assert walk.frontier == 24
    assert walk.ended(Slice("7", start, 12)) is end and walk.reached_end is end


def test_slices_of_teasers_seen_before_are_repeats_and_two_in_a_row_mean_the_site_does_not_page():
    walk = SliceWalk(source_id="7", size=12)
    assert not walk.observe(None, teasers(0, 12))  # the listing is never a repeat
    assert walk.observe(Slice("7", 12, 12), teasers(0, 12)) and not walk.not_paging
    assert not walk.observe(Slice("7", 24, 12), teasers(6, 12))  # half new: the site pages after all
    assert walk.repeats_in_a_row == 0
    assert walk.observe(Slice("7", 36, 12), teasers(0, 12)) and walk.observe(Slice("7", 48, 12), teasers(0, 12))
    assert walk.not_paging
