"""The anatomy's URL rule: every spelling of a site link is one URL."""

import re

import pytest

from vok_crawler.site.urls import canonical_url, host_names, is_on_site, on_crawl_host, site_name

ORIGIN = "http://127.0.0.1:8080/article/163/"
PAGE = "http://127.0.0.1:8080/article/163/"
CANONICAL = "http://127.0.0.1:8080/newstream/1-2/slug/"


@pytest.mark.parametrize(
    "href",
    [
        "http://127.0.0.1:8080/newstream/1-2/slug/",
        "http://127.0.0.1:8080/newstream/1-2/slug",  # no trailing slash
        "//127.0.0.1:8080/newstream/1-2/slug/",  # protocol-relative
        "https://127.0.0.1:8080/newstream/1-2/slug/",  # the other scheme
        "/newstream/1-2/slug/",  # relative to the page
        "../../newstream/1-2/slug",
        "http://127.0.0.1:8080/newstream/1-2/slug/#respond",
        "http://127.0.0.1:8080/newstream/1-2/slug/?utm_source=twitter&utm_medium=social",
        "http://127.0.0.1:8080/newstream/1-2/slug?fbclid=abc&gclid=def#top",
        "  http://127.0.0.1:8080/newstream/1-2/slug/\n",
        "http://WWW.127.0.0.1:8080/newstream/1-2/slug/",
    ],
)
def test_every_spelling_of_a_site_link_is_one_url(href):
    assert canonical_url(href, PAGE, ORIGIN) == CANONICAL


def test_slice_links_keep_their_file_path_and_real_parameters():
    href = "http://127.0.0.1:8080/wp-admin/admin-ajax.php?action=get_cat_by_source&die=true&from=12&to=24&sort=&id=163"
    reordered = "//127.0.0.1:8080/wp-admin/admin-ajax.php?id=163&to=24&sort=&from=12&die=true&action=get_cat_by_source&utm_source=x"
    url = canonical_url(href, PAGE, ORIGIN)
    assert url.startswith("http://127.0.0.1:8080/wp-admin/admin-ajax.php?")
    assert "sort=&" in url and "from=12" in url and "utm" not in url
    assert canonical_url(reordered, PAGE, ORIGIN) == url


def test_links_off_the_site_are_only_resolved():
    source = "http://www.vok.rep.kp/index.php/detail/2025-03-14-0820"
    assert canonical_url(source, PAGE, ORIGIN) == source
    assert (
        canonical_url("https://kcnawatch.org/newstream/1-2/slug", PAGE, ORIGIN)
        == "https://kcnawatch.org/newstream/1-2/slug"
    )


def test_a_live_crawl_folds_www_and_http_into_its_origin():
    origin = "https://kcnawatch.org/article/163/"
    assert canonical_url("http://www.kcnawatch.org/newstream/1-2/slug?utm_campaign=x", origin, origin) == (
        "https://kcnawatch.org/newstream/1-2/slug/"
    )


@pytest.mark.parametrize("href", ["", "   ", "javascript:void(0)", "mailto:info@kcnawatch.org", "tel:123"])
def test_what_is_not_a_web_link_is_none(href):
    assert canonical_url(href, PAGE, ORIGIN) is None


def test_a_bare_fragment_is_the_page_itself():
    assert canonical_url("#respond", CANONICAL, ORIGIN) == CANONICAL


def test_is_on_site_compares_hosts_with_their_ports():
    assert is_on_site(CANONICAL, ORIGIN)
    assert not is_on_site("http://127.0.0.1:9090/newstream/1-2/slug/", ORIGIN)
    assert not is_on_site("https://kcnawatch.org/newstream/1-2/slug/", ORIGIN)


def test_a_relative_link_that_carries_a_url_is_still_relative():
    assert canonical_url("/go?to=http://x.org/", PAGE, ORIGIN) == "http://127.0.0.1:8080/go/?to=http%3A%2F%2Fx.org%2F"


def test_a_link_too_malformed_to_parse_is_no_web_link():
    assert canonical_url("http://[oops/x", "http://127.0.0.1:8163/article/163/", "http://127.0.0.1:8163/") is None
    assert canonical_url("//[::1/x", "http://127.0.0.1:8163/article/163/", "http://127.0.0.1:8163/") is None


KCNA_WATCH = host_names("kcnawatch.org www.kcnawatch.org kcnawatch.xyz www.kcnawatch.xyz")


@pytest.mark.parametrize(
    "href",
    [
        "https://kcnawatch.xyz/newstream/1652951538-123456/slug",
        "http://www.kcnawatch.xyz/newstream/1652951538-123456/slug/",
        "//kcnawatch.org/newstream/1652951538-123456/slug/#respond",
        "https://WWW.KCNAWATCH.ORG/newstream/1652951538-123456/slug?utm_source=x",
    ],
)
def test_a_link_on_any_of_the_sites_names_is_on_the_site_and_on_the_crawls_own_host(href):
    origin = "https://kcnawatch.xyz/article/163/"
    url = canonical_url(href, origin, origin, KCNA_WATCH)
    assert url == "https://kcnawatch.xyz/newstream/1652951538-123456/slug/"
    assert is_on_site(url, origin, KCNA_WATCH) and is_on_site(href.strip(), origin, KCNA_WATCH)
    assert not is_on_site("https://kcnawatch.com/newstream/1-2/slug/", origin, KCNA_WATCH)


def test_on_loopback_the_second_name_is_the_settings_not_a_guess():
    aliases = host_names("localhost:8080")
    url = canonical_url("http://localhost:8080/newstream/1-2/slug", PAGE, ORIGIN, aliases)
    assert url == CANONICAL
    assert canonical_url("http://localhost:8080/newstream/1-2/slug/", PAGE, ORIGIN) == (
        "http://localhost:8080/newstream/1-2/slug/"  # without the alias: a link off the site, only resolved
    )
    assert not is_on_site("http://localhost:9090/newstream/1-2/slug/", ORIGIN, aliases)  # another port


def test_host_names_are_space_or_comma_separated_and_nothing_else():
    assert host_names(" kcnawatch.org,www.kcnawatch.xyz  localhost:8163,") == (
        "kcnawatch.org",
        "kcnawatch.xyz",
        "localhost:8163",
    )
    assert host_names("") == ()
    for bad in ("https://kcnawatch.xyz", "kcnawatch.xyz/feed", "local_host:x"):
        with pytest.raises(ValueError, match=re.escape(repr(bad))):
            host_names(bad)


@pytest.mark.parametrize(
    ("origin", "site"),
    [
        ("https://kcnawatch.org/article/163/", "kcnawatch.org"),
        ("https://kcnawatch.xyz/article/163/", "kcnawatch.org"),
        ("https://www.kcnawatch.xyz/article/163/", "kcnawatch.org"),
        ("http://127.0.0.1:8163/article/163/", "127.0.0.1_8163"),  # the start host is the site; aliases its other names
    ],
)
def test_the_site_is_named_by_the_first_alias_whichever_name_a_run_started_from(origin, site):
    assert site_name(origin, KCNA_WATCH) == site


def test_a_url_a_run_on_another_name_stored_is_read_back_on_the_crawls_host():
    stored = "https://kcnawatch.org/newstream/1652951538-123456/Talks-Held/"
    assert on_crawl_host(stored, "https://kcnawatch.xyz/article/163/", KCNA_WATCH) == (
        "https://kcnawatch.xyz/newstream/1652951538-123456/Talks-Held/"
    )
    here = "https://kcnawatch.xyz/newstream/1-2/slug/"
    assert on_crawl_host(here, "https://kcnawatch.xyz/article/163/", KCNA_WATCH) is here


@pytest.mark.parametrize(
    ("href", "url"),
    [
        (  # the slug's capitals are kept; only %XX escapes are case-free
            "https://kcnawatch.xyz/newstream/1712095526-381500950/Talks-Held-between-DPRK-and-Russian-Officials",
            "http://127.0.0.1:8080/newstream/1712095526-381500950/Talks-Held-between-DPRK-and-Russian-Officials/",
        ),
        (
            "https://kcnawatch.xyz/newstream/1712095526-381500950/Talks-%e2%80%9cHeld%e2%80%9d/",
            "http://127.0.0.1:8080/newstream/1712095526-381500950/Talks-%E2%80%9CHeld%E2%80%9D/",
        ),
        (
            "/newstream/1489370400-952301/six-digit-id",
            "http://127.0.0.1:8080/newstream/1489370400-952301/six-digit-id/",
        ),
        ("/newstream/1600000000-987654321/nine/", "http://127.0.0.1:8080/newstream/1600000000-987654321/nine/"),
    ],
)
def test_path_case_is_kept_and_ids_of_six_to_nine_digits_are_urls_like_any(href, url):
    assert canonical_url(href, PAGE, ORIGIN, host_names("kcnawatch.xyz")) == url
