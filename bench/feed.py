"""`make bench` (part 2): the feed of a synthetic show of 5,000 episodes.

Times, as medians of BENCH_RUNS (default 3):
- build: feed XML from 5,000 ready items (feedgen + our extensions + CommonMark notes); goal ≤ 1.5 s
- render: the same from the episode files (5,000 episode.md + published.json read and validated)
- lint: the linter on the resulting feed (XSD checks of every podcast: element included)
- `podpub feed -o`: the command in a fresh process, as CI runs it from a clean checkout
- site: the website of the same show (a page, an embed page and an oEmbed per episode, the
  show's pages), from the loaded episodes and records, as the `site` step builds it
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from podpub.feed.build import build_pages
from podpub.feed.items import feed_item
from podpub.feed.lint import lint_feed
from podpub.publishing.pipeline import show_feed
from podpub.publishing.state import load_show
from podpub.show.episodes import load_episodes
from podpub.show.records import load_record
from podpub.site.build import build_site

REPO = Path(__file__).resolve().parent.parent
EPISODES = int(os.environ.get("BENCH_EPISODES", "5000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
NOTES = """Dans les réseaux sociaux, il en est comme dans la vie courante :

- le futile côtoie l’essentiel ;
- la médiocrité masque parfois la richesse des échanges.

Voir aussi [le blog](https://podcast.example.org/reseaux/) et **l’épisode précédent**.
"""


def synthetic_show(root: Path, count: int) -> Path:
    shutil.copy(REPO / "podcast.toml", root)
    shutil.copy(REPO / "cover.jpg", root)
    start = datetime(2012, 1, 1, 8, tzinfo=UTC)
    for n in range(1, count + 1):
        date = start + timedelta(days=n)
        slug = f"{date:%Y-%m-%d}-episode-{n}"
        folder = root / "episodes" / slug
        folder.mkdir(parents=True)
        guid = str(uuid.UUID(int=n))
        front = (
            f'---\ntitle: "Épisode {n} : les réseaux sociaux"\ndate: {date.isoformat()}\n'
            f'guid: {guid}\nnumber: {n}\nsummary: "Le résumé de l’épisode {n}."\n'
            'chapters:\n  - {start: "00:00:00", title: Introduction}\n'
            '  - {start: "00:10:00", title: "L’essentiel"}\n---\n\n'
        )
        (folder / "episode.md").write_text(front + NOTES, encoding="utf-8")
        record = {
            "guid": guid,
            "audio_key": f"{slug}-0123456789ab.mp3",
            "audio_bytes": 28_800_000 + n,
            "audio_sha256": "0" * 64,
            "audio_type": "audio/mpeg",
            "duration_s": 1800.0 + n,
            "render_key": "0" * 64,
            "integrated_lufs": -16.0,
            "true_peak_dbtp": -1.2,
            "source_lufs": -23.0,
            "gain_db": 7.0,
            "published_at": date.isoformat(),
            "storage": "file://public",
            "chapters_key": f"{slug}-chapters-0123456789ab.json",
        }
        (folder / "published.json").write_text(json.dumps(record), encoding="utf-8")
    return root / "podcast.toml"


def median_time(action: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        config_path = synthetic_show(Path(folder), EPISODES)
        config = load_show(config_path)
        episodes, _ = load_episodes(config.episodes_dir)
        items = [
            feed_item(config, e, record) for e in episodes if (record := load_record(e.folder))
        ]
        cover = "https://podcast.example.org/reseaux/cover.jpg"
        build, pages = median_time(lambda: build_pages(config, items, cover))
        feed = pages[0][1]  # type: ignore[index]
        render, _ = median_time(lambda: show_feed(config))
        lint, findings = median_time(lambda: lint_feed(feed))  # type: ignore[arg-type]
        command = [
            sys.executable,
            "-m",
            "podpub",
            "--config",
            str(config_path),
            "feed",
            "-o",
            str(Path(folder) / "out.xml"),
        ]
        cli, _ = median_time(lambda: subprocess.run(command, check=True))
        records = {e.slug: r for e in episodes if (r := load_record(e.folder))}
        now = datetime.now(UTC)
        site, files = median_time(lambda: build_site(config, episodes, records, now))
    size = len(feed)  # type: ignore[arg-type]
    errors = [f for f in findings if f.level == "error"]  # type: ignore[attr-defined]
    print(f"feed of {EPISODES} episodes, {size / 1e6:.1f} MB, median of {RUNS}:")
    print(
        f"  build from items       {build:6.2f} s   (goal ≤ 1.5 s: {'met' if build <= 1.5 else 'NOT met'})"
    )
    print(f"  render from files      {render:6.2f} s")
    print(f"  lint                   {lint:6.2f} s   ({len(errors)} errors)")
    print(f"  `podpub feed -o` (CLI) {cli:6.2f} s")
    site_bytes = sum(len(f.data) for f in files)  # type: ignore[attr-defined]
    count = len(files)  # type: ignore[arg-type]
    print(f"  site                   {site:6.2f} s   ({count} files, {site_bytes / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
