"""The app in a real Chromium: a shared link works as a server's first visit, every lab in the
catalog renders, sliders retrain and update the URL, exports download, a bad URL is explained, and
two sessions never see each other's results.

Run: python -m pytest tests/e2e -q -s   (-s prints each lab's time; needs Debian's chromium, see
conftest.py). NNVIZ_E2E_TIMEOUT (seconds, default 120) bounds each wait for a page to train and draw.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
import zipfile

import pytest

from nnviz import catalog

pytestmark = pytest.mark.e2e

# Training the defaults takes seconds on two idle cores but far longer on a busy machine.
TIMEOUT_MS = int(float(os.environ.get("NNVIZ_E2E_TIMEOUT", "120")) * 1000)
APP = '[data-testid="stApp"]'
CHART = '[data-testid="stMain"] [data-stale="false"] [data-testid="stPlotlyChart"]'
# steps=20 (the smallest allowed) keeps the retraining short in the slider and two-session tests:
# they test the plumbing (slider -> URL -> retrain -> figure, sessions kept apart), not the learning.
FAST = "steps=20"
ATTENTION = catalog.get("attention")


# ----------------------------------------------------------------------------- helpers


def wait_ready(page, title: str, min_charts: int = 1, timeout: int = TIMEOUT_MS) -> None:
    """Wait until the page titled `title` has finished its script run and drawn its plotly charts."""
    page.wait_for_function(
        """([app, chart, title, n]) => {
            const root = document.querySelector(app);
            if (!root || root.getAttribute('data-test-script-state') !== 'notRunning') return false;
            const h1 = Array.from(document.querySelectorAll('[data-testid="stMain"] h1'));
            if (!h1.some(h => h.innerText.includes(title))) return false;
            const plots = Array.from(document.querySelectorAll(chart + ' .js-plotly-plot'));
            return plots.length >= n && plots.every(p => p._fullLayout);
        }""",
        arg=[APP, CHART, title, min_charts],
        timeout=timeout,
    )


def problems(page) -> list[str]:
    """Exceptions and failure alerts on the page, as text."""
    found = [f"exception: {t[:500]}" for t in page.locator('[data-testid="stException"]').all_inner_texts()]
    found += [f"error: {t[:300]}" for t in page.locator('[data-testid="stAlertContentError"]').all_inner_texts()]
    return found


def assert_clean(page) -> None:
    found = problems(page)
    assert not found, f"{page.url}: " + "\n".join(found)


FIRST_FIGURE_JS = """(chart) => {
    const el = document.querySelector(chart + ' .js-plotly-plot');
    if (!el || !el._fullData) return null;
    const tr = el._fullData[0];
    const title = el._fullLayout.title && el._fullLayout.title.text;
    return {
        rows: tr.z ? tr.z.length : null,
        cols: tr.z && tr.z[0] ? tr.z[0].length : null,
        ticks: (el._fullLayout.xaxis && el._fullLayout.xaxis.ticktext) ? Array.from(el._fullLayout.xaxis.ticktext) : [],
        title: title ? title.replace(/<[^>]*>/g, '') : '',
        z: tr.z ? JSON.stringify(Array.from(tr.z, r => Array.from(r))) : null,
    };
}"""


def first_figure(page) -> dict:
    """The first plotly figure on the page: heatmap shape, x tick labels, title, data."""
    info = page.evaluate(FIRST_FIGURE_JS, CHART)
    assert info is not None, f"{page.url}: no rendered plotly chart"
    return info


def wait_first_figure_rows(page, rows: int, timeout: int = TIMEOUT_MS) -> dict:
    page.wait_for_function(
        f"""([chart, rows]) => {{
            const info = ({FIRST_FIGURE_JS})(chart);
            const app = document.querySelector('{APP}');
            return info && info.rows === rows && app.getAttribute('data-test-script-state') === 'notRunning';
        }}""",
        arg=[CHART, rows],
        timeout=timeout,
    )
    return first_figure(page)


def open_lab(page, base: str, query: str = "") -> None:
    page.goto(f"{base}/{ATTENTION.name}{'?' + query if query else ''}")
    wait_ready(page, ATTENTION.title)


def slider_thumb(page, label: str):
    slider = page.get_by_test_id("stSlider").filter(has_text=label)
    assert slider.count() == 1, f"expected one slider labelled {label!r}, found {slider.count()}"
    return slider.locator('[role="slider"], input[type="range"]').first


def download(page, button, path):
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    dl = info.value
    assert dl.failure() is None, f"download failed: {dl.failure()}"
    dl.save_as(path)
    return path.read_bytes(), dl.suggested_filename


# ----------------------------------------------------------------------------- tests


def test_shared_link_as_first_visit_runs_the_app_shell(server, page):
    """First in the module on purpose: the first request this server sees is a shared deep link.

    Streamlit decides once per server, at the first session, whether the app is a legacy
    "pages/ folder" app; if it is, a deep link runs the page file alone (file names in the sidebar,
    no st.navigation, no page config) until somebody opens the home page. A shared link must get
    the real app: catalog titles in the navigation and the app's own sidebar.
    """
    open_lab(page, server)
    nav = page.get_by_test_id("stSidebarNav")
    names = [t.strip() for t in nav.get_by_role("link").all_inner_texts()]
    wanted = ["Home", *[lab.title for lab in catalog.LABS]]
    missing = [w for w in wanted if not any(n.endswith(w) for n in names)]
    assert not missing, f"sidebar navigation is not the catalog's: links {names}, missing {missing}"
    assert page.get_by_test_id("stSidebar").get_by_text("Device:").count() == 1, "the app shell's sidebar is missing"
    assert_clean(page)


def test_walk_every_lab_from_the_sidebar(server, page):
    """Home, then every lab in the catalog through the sidebar navigation: it trains, draws, no errors."""
    page.goto(f"{server}/")
    page.locator(f'{APP}[data-test-script-state="notRunning"]').wait_for(timeout=TIMEOUT_MS)
    page.get_by_test_id("stSidebarNav").wait_for(timeout=TIMEOUT_MS)
    assert_clean(page)

    failures = []
    for lab in catalog.LABS:
        nav = page.get_by_test_id("stSidebarNav")
        link = nav.get_by_role("link", name=lab.title, exact=True)
        if not link.is_visible():  # long navigations are folded behind "View more"
            more = page.get_by_test_id("stSidebarNavViewButton")
            if more.count() and more.is_visible():
                more.click()
        start = time.monotonic()
        try:
            link.click()
            page.wait_for_url(re.compile(rf"/{re.escape(lab.name)}(\?|$)"), timeout=TIMEOUT_MS)
            wait_ready(page, lab.title)
        except Exception as err:  # keep walking: one report lists every lab that failed
            failures.append(
                f"{lab.name}: did not finish with a chart within {TIMEOUT_MS // 1000} s ({type(err).__name__}); {problems(page)}"
            )
            continue
        print(f"walk: {lab.name} ready in {time.monotonic() - start:.1f} s")  # shown with -s or on failure
        found = problems(page)
        if found:
            failures.append(f"{lab.name}: " + "; ".join(found))
    assert not failures, "\n".join(failures)


def test_slider_retrains_and_updates_url(server, page):
    open_lab(page, server, FAST)
    before = first_figure(page)
    assert before["rows"] == 8 and len(before["ticks"]) == 8, before

    thumb = slider_thumb(page, "Sequence length")
    thumb.focus()
    page.keyboard.press("ArrowRight")

    page.wait_for_url(re.compile(r"[?&]seq_len=9(&|$)"), timeout=TIMEOUT_MS)
    after = wait_first_figure_rows(page, 9)
    assert after["cols"] == 9 and len(after["ticks"]) == 9, after
    assert after["z"] != before["z"]
    assert "steps=20" in page.url, f"the other setting was dropped from the URL: {page.url}"
    assert_clean(page)

    page.keyboard.press("ArrowLeft")  # back to the default: the parameter leaves the URL
    page.wait_for_url(lambda url: "seq_len" not in url, timeout=TIMEOUT_MS)
    assert wait_first_figure_rows(page, 8)["z"] == before["z"]  # the cached run, not a retrain


def test_export_figure_and_page(server, page, tmp_path):
    open_lab(page, server)
    fig = first_figure(page)

    export = page.get_by_test_id("stPopoverButton").filter(has_text="Export").first
    export.click()
    body = page.get_by_test_id("stPopoverBody")
    html_button = body.get_by_role("button", name="HTML", exact=True)
    html_button.wait_for(timeout=TIMEOUT_MS)
    data, name = download(page, html_button, tmp_path / "fig.html")
    text = data.decode()
    assert name.endswith(".html")
    assert "plotly" in text.lower()
    assert '"heatmap"' in text
    assert fig["title"] and fig["title"] in text.replace("<b>", "").replace("</b>", ""), fig["title"]
    assert all(json.dumps(t)[1:-1] in text for t in fig["ticks"]), fig["ticks"]

    if not body.is_visible():
        export.click()
    png_button = body.get_by_role("button", name="PNG", exact=True)
    assert png_button.is_enabled(), "PNG export is disabled although Chromium is installed"
    data, name = download(page, png_button, tmp_path / "fig.png")
    assert name.endswith(".png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    page.keyboard.press("Escape")

    zip_button = page.get_by_test_id("stDownloadButton").filter(has_text="Export page (zip)").get_by_role("button")
    data, name = download(page, zip_button, tmp_path / "page.zip")
    assert name.endswith(".zip")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "config.json" in names and "reproduce.sh" in names, names
    assert any(n.endswith(".html") for n in names) and any(n.endswith(".png") for n in names), names
    assert_clean(page)


def test_malformed_url_is_explained(server, page):
    open_lab(page, server, "seq_len=banana")
    warnings = page.get_by_test_id("stAlertContentWarning").filter(has_text="seq_len")
    assert warnings.count() >= 1 and warnings.first.is_visible(), page.get_by_test_id("stAlert").all_inner_texts()
    assert first_figure(page)["rows"] == 8  # the default stands in
    assert "banana" not in page.url
    assert not page.locator('[data-testid="stException"]').count()


def test_two_sessions_keep_their_own_results(server, new_page):
    a, b = new_page(), new_page()
    # start both before waiting for either, so the two sessions are alive on the server together
    a.goto(f"{server}/{ATTENTION.name}?seq_len=6&{FAST}")
    b.goto(f"{server}/{ATTENTION.name}?seq_len=10&{FAST}")
    wait_ready(a, ATTENTION.title)
    wait_ready(b, ATTENTION.title)
    fa, fb = wait_first_figure_rows(a, 6), wait_first_figure_rows(b, 10)
    assert len(fa["ticks"]) == 6 and len(fb["ticks"]) == 10, (fa["ticks"], fb["ticks"])

    # a change in one session leaves the other alone
    slider_thumb(a, "Sequence length").focus()
    a.keyboard.press("ArrowLeft")
    a.wait_for_url(re.compile(r"[?&]seq_len=5(&|$)"), timeout=TIMEOUT_MS)
    assert wait_first_figure_rows(a, 5)["cols"] == 5
    fb2 = first_figure(b)
    assert fb2["rows"] == 10 and fb2["z"] == fb["z"]
    assert "seq_len=10" in b.url
    assert_clean(a)
    assert_clean(b)
