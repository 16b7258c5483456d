"""Everything a run could refuse, found before its first write: the inputs (podcast.toml,
artwork, jingles, every episode, its audio read to the end), then the plan (pass 1 of every
pending render, the feed it will write linted with the same rules as the real one, and the
guards against the live feed). `check`, `plan` and `publish` all run these."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from lxml import etree

from podpub.audio.ffmpeg import check_complete, probe
from podpub.callbacks import ProgressFactory
from podpub.errors import PodpubError, Problems
from podpub.feed.items import enclosure_url
from podpub.feed.lint import Finding, Remote, lint_feed
from podpub.publishing import parallel
from podpub.publishing.feedwrite import storage_remote
from podpub.publishing.guards import Allowances, Planned, guard, guard_rehosting
from podpub.publishing.parallel import ONE, Task, Workers
from podpub.publishing.plan import Plan
from podpub.publishing.rendering import prepare
from podpub.publishing.staging import kept_files
from podpub.publishing.state import ShowState
from podpub.show.artwork import check_artwork, cover_key
from podpub.show.chapters import check_duration
from podpub.show.config import public_url
from podpub.show.episodes import Episode


def check_inputs(
    state: ShowState,
    selected: list[Episode],
    allow: Allowances,
    problems: Problems,
    audio: bool = True,
) -> None:
    """The show's files: artwork, jingles, and each selected episode (with its audio, read to
    the end, unless `audio` is off: the feed alone needs none)."""
    config = state.config
    check_artwork(config.show.image, f"{config.path}: show.image", problems)
    for jingle in (config.audio.intro, config.audio.outro) if audio else ():
        if jingle:
            _check_audio_file(jingle, problems)
    for episode in selected:
        _check_episode(state, episode, problems, episode.slug in allow.guid_change, audio)


def _check_audio_file(path: Path, problems: Problems) -> float | None:
    """Seconds of audio in the file, read to the end; None with the problem recorded. The
    container's duration is held against it, unless a video stream sets that duration."""
    try:
        info = probe(path)
        return check_complete(path, None if info.has_video else info.duration_s)
    except PodpubError as exc:
        problems.extend(exc.problems)
        return None


def _check_episode(
    state: ShowState, episode: Episode, problems: Problems, guid_change_allowed: bool, audio: bool
) -> None:
    saved = state.saved.get(episode.slug)
    if saved and episode.guid and saved.guid != episode.guid and not guid_change_allowed:
        problems.add(
            f"{episode.md_path}: guid",
            f"was published as {saved.guid!r}; changing it makes every app re-download the "
            f"episode. Restore it, or pass --allow-guid-change {episode.slug}",
        )
    if episode.image:
        check_artwork(episode.image, f"{episode.md_path}: image", problems)
    if episode.draft or not audio or state.stays_elsewhere(episode):
        return
    if episode.audio is None:
        problems.add(
            episode.md_path, "no audio source: set `audio:` or put one audio file in the folder"
        )
        return
    duration = _check_audio_file(episode.audio, problems)
    if duration:
        state.durations[episode.slug] = duration
        check_duration(episode.chapters, duration, f"{episode.md_path}: chapters", problems)


def check_plan(plan: Plan, progress: ProgressFactory, workers: Workers = ONE) -> None:
    """Everything the plan would refuse, into plan.refused: the feed first (cheap), the
    guards, then pass 1 of every render that is neither cached nor published before."""
    problems = Problems()
    problems.extend(plan.state.conflicts(plan.choice.now, plan.choice.allow.guid_change))
    _check_feed(plan, problems)
    _check_guards(plan, problems)
    _measure(plan, problems, progress, workers)
    plan.refused = problems.items


# Feed elements → the input field that makes them, so that a finding on the planned feed
# names what the host must change.
CHANNEL_FIELDS = {
    "title": "show.title",
    "description": "show.description",
    "link": "show.link",
    "language": "show.language",
    "itunes:author": "show.author",
    "itunes:owner": "show.owner",
    "itunes:category": "show.categories",
    "itunes:image": "show.image",
    "itunes:explicit": "show.explicit",
    "itunes:type": "show.type",
    "podcast:person": "podcast.persons",
    "podcast:funding": "podcast.funding",
    "podcast:txt": "podcast.txt",
    "podcast:license": "podcast.license",
    "podcast:medium": "podcast.medium",
    "podcast:podping": "notify",
    "atom:link": "notify.websub_hubs",
}
ITEM_FIELDS = {
    "enclosure": "audio",
    "title": "title",
    "description": "summary",
    "link": "link",
    "pubDate": "date",
    "itunes:episode": "number",
    "podcast:episode": "number",
    "itunes:season": "season",
    "podcast:season": "season",
    "itunes:episodeType": "type",
    "itunes:explicit": "explicit",
    "itunes:image": "image",
    "podcast:person": "persons",
    "podcast:soundbite": "soundbites",
    "podcast:chapters": "chapters",
    "psc:chapters": "chapters",
}


def _check_feed(plan: Plan, problems: Problems) -> None:
    """The planned feed, linted as publish lints the real one (the artwork from the local
    file: it is uploaded only later). Each error names the input it comes from."""
    config = plan.config
    remote = _planned_remote(plan)
    sources = {record.guid: slug for slug, record in plan.records.items()}
    md_paths = {e.slug: e.md_path for e in plan.feed_episodes}
    for key, xml in plan.pages:
        guids = _item_guids(xml)
        location = public_url(config.storage.public_base_url, key)
        for finding in lint_feed(xml, remote, location):
            if finding.level != "error":
                continue
            where = _source(finding.where, guids, sources, md_paths, str(config.path))
            hint = _hint(finding, guids, sources)
            problems.add(where, f"{finding.text} ({key}: {finding.where}){hint}")


def _hint(finding: Finding, guids: list[str], sources: dict[str, str]) -> str:
    """How to mend a stored file gone missing: publish its episode again."""
    if not (finding.where.endswith("/enclosure") and "is missing" in finding.text):
        return ""
    index = int(finding.where[5 : finding.where.index("]")]) - 1
    slug = sources.get(guids[index], "SLUG") if 0 <= index < len(guids) else "SLUG"
    return f"; store it again with `podpub publish {slug}`"


def _planned_remote(plan: Plan) -> Remote:
    """What the storage target will hold once this run has uploaded: the cover from its local
    file, sizes from one listing of the target — except for what this run uploads (not known
    yet) — so an enclosure deleted from storage meanwhile is found now."""
    config = plan.config
    base = config.storage.public_base_url
    cover_url = public_url(base, cover_key(config.show.image))
    cover = config.show.image.read_bytes()
    storage = plan.state.storage
    if storage is None:
        return Remote(content=lambda url: cover if url == cover_url else None)
    listing = storage.listing()
    uploads = {public_url(base, key) for key in _uploaded_keys(plan)}
    stored = storage_remote(storage, base, listing)

    def size(url: str) -> int | None:
        return None if url in uploads else stored.size(url)

    return Remote(size, lambda url: cover if url == cover_url else None)


def _uploaded_keys(plan: Plan) -> set[str]:
    keys = set()
    for episode in plan.episodes:
        record = plan.records[episode.slug]
        keys |= {job.audio_key for job in episode.jobs}
        keys |= {k for k in (record.chapters_key, record.transcript_key, record.image_key) if k}
    return keys


def _item_guids(xml: bytes) -> list[str]:
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    return [item.findtext("guid") or "" for item in root.iter("item")]


def _source(
    where: str,
    guids: list[str],
    sources: dict[str, str],
    md_paths: dict[str, Path],
    config: str,
) -> str:
    """'item[2]/podcast:person' → '<that episode.md>: persons'; 'channel/description' →
    'podcast.toml: show.description'."""
    element = where.rpartition("/")[2]
    if where.startswith("item["):
        index = int(where[5 : where.index("]")]) - 1
        slug = sources.get(guids[index]) if 0 <= index < len(guids) else None
        if slug in md_paths:
            return f"{md_paths[slug]}: {ITEM_FIELDS.get(element, element)}"
    return f"{config}: {CHANNEL_FIELDS.get(element, element)}"


def _check_guards(plan: Plan, problems: Problems) -> None:
    planned = _planned_items(plan)
    problems.extend(guard_rehosting(planned, plan.choice.allow))
    live = plan.state.live
    if live.exists:
        problems.extend(guard(live, planned, plan.config.storage.feed_key, plan.choice.allow))


def _planned_items(plan: Plan) -> list[Planned]:
    """What the next feed will say of each episode: URL by URL, as the guards compare it."""
    chosen = {e.slug: e for e in plan.episodes}
    planned = []
    for episode in (e for e in plan.feed_episodes if e.is_due(plan.choice.now)):
        record = plan.records.get(episode.slug)
        if record is None:
            continue
        before = plan.state.record(episode)
        replaced = (
            episode.slug in chosen and before is not None and before.render_key != record.render_key
        )
        url = enclosure_url(plan.config, record)
        planned.append(Planned(episode.slug, record.guid, episode.title, url, replaced))
        if before and before.audio_url and episode.slug in chosen:
            planned[-1] = replace(planned[-1], rehosted_from=before.audio_url)
    return planned


def _measure(plan: Plan, problems: Problems, progress: ProgressFactory, workers: Workers) -> None:
    """Pass 1 of each pending render, unless this target already holds that very render (it
    was measured then), N episodes at once. What is measured is kept for pass 2, in the run's
    scratch folder."""
    tasks = []
    for episode_plan in plan.episodes:
        record = episode_plan.record
        published = kept_files(record).keys() if record else set()
        pending = [job for job in episode_plan.pending if job.render_key not in published]
        if pending:
            slug = episode_plan.slug
            seconds = plan.state.durations.get(slug, 1.0)
            args = (pending, plan.scratch / "programs")
            tasks.append(Task(f"measuring {slug}", seconds, seconds, prepare, args))
    for outcome in parallel.run(tasks, workers, progress, "measuring"):
        if outcome.error:
            problems.extend(outcome.error.problems)
        elif outcome.value:
            plan.prepared.update((p.job.render_key, p) for p in outcome.value)
