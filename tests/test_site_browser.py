"""The demo site in a real browser: published by `podpub publish` into a folder served over HTTP
from 127.0.0.1 (the audio and the pages alike), and driven in Debian's headless Chromium.

One browser for the module. `make screenshots` runs `test_screenshots` with PODPUB_SCREENSHOTS
set to the folder to write them into."""

from __future__ import annotations

import os
import shutil
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import (
    axe_source,
    console_errors,
    copy_show,
    need_browser,
    requested_urls,
    serve,
    start_chromium,
)
from tests.conftest import REPO, podpub

VOUS = "2012-04-26-vous"
AUDIO_KEY = "2012-04-26-vous-54aff7f47d23.mp3"  # as published.json records it


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, render_cache: Path) -> Iterator[str]:
    """The demo show published (from the run's render cache) into a folder on 127.0.0.1."""
    need_browser()
    root = tmp_path_factory.mktemp("browser")
    show = copy_show(REPO, root / "show")
    shutil.copytree(render_cache, show / ".podpub" / "build" / "render")
    folder = root / "served"
    folder.mkdir()
    with serve(folder) as url:
        code, _, err = podpub(show, "publish", "--storage", f"file://{folder}", "--base-url", url)
        assert code == 0, err
        yield url


@pytest.fixture(scope="module")
def browser(site: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    driver = start_chromium(tmp_path_factory.mktemp("profile"))
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(check: Callable[[], Any], seconds: float = 10.0) -> Any:
    """Poll until `check()` is truthy; its value."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def audio(browser: Any, expression: str) -> Any:
    return browser.execute_script(f"return document.querySelector('audio').{expression}")


def open_episode(browser: Any, site: str, fragment: str = "") -> None:
    browser.get("about:blank")
    browser.get(f"{site}episodes/{VOUS}/{fragment}")
    assert wait_for(lambda: audio(browser, "readyState") >= 1), "no audio metadata"
    browser.execute_script("localStorage.clear()")


def classes_now(browser: Any, selector: str) -> list[int]:
    script = (
        f"return [...document.querySelectorAll('{selector}')].map(e => e.classList.contains('now'))"
    )
    return [i for i, on in enumerate(browser.execute_script(script)) if on]


def test_pages_load_with_no_console_error_and_no_request_leaving_127_0_0_1(
    browser: Any, site: str
) -> None:
    requested_urls(browser)  # forget what came before
    console_errors(browser)
    for path in ("", f"episodes/{VOUS}/", f"episodes/{VOUS}/embed/"):
        browser.get(site + path)
        assert wait_for(lambda: browser.execute_script("return document.readyState") == "complete")
        assert console_errors(browser) == [], path
        if path == "":  # the feed address's copy button, in the page's language
            assert browser.find_element("css selector", ".copy button").text == "Copier"
    urls = requested_urls(browser)
    assert f"{site}{AUDIO_KEY}" in urls  # the player loaded the enclosure, from 127.0.0.1
    network = [u for u in urls if u.startswith(("http:", "https:", "ws:", "wss:", "ftp:"))]
    assert [u for u in network if not u.startswith(site)] == []


def test_the_audio_plays_and_chapters_and_transcript_follow(browser: Any, site: str) -> None:
    open_episode(browser, site)
    browser.find_element("css selector", ".controls .play").click()
    assert wait_for(lambda: audio(browser, "currentTime") > 0.5), "currentTime does not advance"
    assert classes_now(browser, ".chapters li") == [0]
    assert classes_now(browser, ".cue") == [0]
    second = browser.find_elements("css selector", ".chapters li a")[1]
    start = float(
        browser.find_elements("css selector", ".chapters li")[1].get_attribute("data-start")
    )
    second.click()
    assert abs(audio(browser, "currentTime") - start) < 0.3  # sought to the chapter's start
    assert wait_for(lambda: audio(browser, "currentTime") > start + 0.5)
    assert classes_now(browser, ".chapters li") == [1]
    assert classes_now(browser, ".cue") == [1]
    assert second.get_attribute("aria-current") == "true"
    browser.find_elements("css selector", ".cue")[2].click()  # a cue's text seeks too
    assert wait_for(lambda: classes_now(browser, ".chapters li") == [2])
    assert audio(browser, "paused") is False
    browser.execute_script("document.querySelector('audio').pause()")


@pytest.mark.parametrize(("fragment", "seconds"), [("#t=12", 12.0), ("#t=0:09.5", 9.5)])
def test_a_deep_link_starts_at_its_time(
    browser: Any, site: str, fragment: str, seconds: float
) -> None:
    open_episode(browser, site, fragment)
    assert wait_for(lambda: abs(audio(browser, "currentTime") - seconds) < 0.05)
    browser.execute_script("document.querySelector('audio').play()")
    assert wait_for(lambda: audio(browser, "currentTime") > seconds + 0.3)
    browser.execute_script("document.querySelector('audio').pause()")


def test_the_speed_control_sets_the_playback_rate(browser: Any, site: str) -> None:
    from selenium.webdriver.support.select import Select

    open_episode(browser, site)
    Select(browser.find_element("css selector", ".controls select")).select_by_value("1.5")
    assert audio(browser, "playbackRate") == 1.5
    values = browser.execute_script(
        "return [...document.querySelectorAll('.controls option')].map(o => +o.value)"
    )
    assert min(values) == 0.75 and max(values) == 2


def test_the_player_works_from_the_keyboard_alone(browser: Any, site: str) -> None:
    from selenium.webdriver.common.keys import Keys

    open_episode(browser, site)
    body = browser.find_element("tag name", "body")
    for _ in range(30):  # Tab from the top of the page to the play button
        body.send_keys(Keys.TAB) if _ == 0 else browser.switch_to.active_element.send_keys(Keys.TAB)
        if browser.switch_to.active_element.get_attribute("class") == "play":
            break
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "play"
    outline = browser.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]"
    )
    assert outline[0] != "none" and outline[1] != "0px"  # the focus is visible
    focused.send_keys(Keys.SPACE)
    assert wait_for(lambda: audio(browser, "currentTime") > 0.3)
    focused.send_keys(Keys.TAB)  # on to −15; "l" skips forward 30 s from anywhere but fields
    browser.switch_to.active_element.send_keys("k")
    assert wait_for(lambda: audio(browser, "paused"))


def test_the_position_is_remembered_per_episode(browser: Any, site: str) -> None:
    open_episode(browser, site, "#t=7")
    browser.execute_script("document.querySelector('audio').pause()")  # saves the position
    browser.get("about:blank")
    browser.get(f"{site}episodes/{VOUS}/")
    assert wait_for(lambda: abs(audio(browser, "currentTime") - 7) < 0.05)
    browser.get(f"{site}episodes/2012-04-25-isolement/")  # another episode starts at 0
    assert wait_for(lambda: audio(browser, "readyState") >= 1)
    assert audio(browser, "currentTime") == 0


def test_without_javascript_everything_is_readable_and_the_audio_playable(
    browser: Any, site: str
) -> None:
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get("about:blank")
        browser.get(f"{site}episodes/{VOUS}/")
        text = browser.find_element("tag name", "main").text
        element = browser.find_element("tag name", "audio")
        controls = browser.find_elements("css selector", ".controls")
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    notes = "la médiocrité masque parfois la richesse des échanges"
    assert notes in text  # the notes
    assert "Le futile et l’essentiel" in text  # a chapter
    assert "l'humain est au cœur de la relation sociale" in text  # the transcript
    assert element.get_attribute("src") == f"{site}{AUDIO_KEY}"
    assert element.get_attribute("controls") is not None and controls == []


@pytest.mark.parametrize("path", ["", f"episodes/{VOUS}/"])
def test_axe_finds_no_serious_or_critical_violation(browser: Any, site: str, path: str) -> None:
    source = axe_source()
    browser.get(site + path)
    browser.execute_script(source)
    browser.set_script_timeout(30)
    violations = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations));"
    )
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == []


def emulate(browser: Any, width: int) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    browser.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": True})


@pytest.mark.parametrize("path", ["", f"episodes/{VOUS}/"])
def test_usable_at_320_px(browser: Any, site: str, path: str) -> None:
    emulate(browser, 320)
    try:
        browser.get(site + path)
        widths = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        buttons = browser.execute_script(
            "return [...document.querySelectorAll('button, select, .button')]"
            ".map(e => e.getBoundingClientRect()).map(r => [r.left, r.right])"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": False})
    assert widths[0] <= widths[1] == 320  # nothing scrolls sideways
    assert all(left >= 0 and right <= 320 for left, right in buttons)


def png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def test_screenshots(browser: Any, site: str, tmp_path: Path) -> None:
    """The show page and an episode page at 1280 and 360 px (full length)."""
    import base64

    folder = Path(os.environ.get("PODPUB_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in (("show", ""), ("episode", f"episodes/{VOUS}/")):
        for width in (1280, 360):
            emulate(browser, width)
            browser.get(site + path)
            shot = browser.execute_cdp_cmd(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
            )
            target = folder / f"{name}-{width}.png"
            target.write_bytes(base64.b64decode(shot["data"]))
            assert png_size(target)[0] == width
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": False})
