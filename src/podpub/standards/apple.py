"""Apple Podcasts' requirements (podcasters.apple.com/support/823, /1691): the category list,
the artwork rules, the values of its tags and the length of descriptions."""

from __future__ import annotations

import difflib
from pathlib import PurePosixPath

CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers",
        "Entrepreneurship",
        "Investing",
        "Management",
        "Marketing",
        "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health",
        "Fitness",
        "Medicine",
        "Mental Health",
        "Nutrition",
        "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga",
        "Automotive",
        "Aviation",
        "Crafts",
        "Games",
        "Hobbies",
        "Home & Garden",
        "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News",
        "Daily News",
        "Entertainment News",
        "News Commentary",
        "Politics",
        "Sports News",
        "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism",
        "Christianity",
        "Hinduism",
        "Islam",
        "Judaism",
        "Religion",
        "Spirituality",
    ),
    "Science": (
        "Astronomy",
        "Chemistry",
        "Earth Sciences",
        "Life Sciences",
        "Mathematics",
        "Natural Sciences",
        "Nature",
        "Physics",
        "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary",
        "Personal Journals",
        "Philosophy",
        "Places & Travel",
        "Relationships",
    ),
    "Sports": (
        "Baseball",
        "Basketball",
        "Cricket",
        "Fantasy Sports",
        "Football",
        "Golf",
        "Hockey",
        "Rugby",
        "Running",
        "Soccer",
        "Swimming",
        "Tennis",
        "Volleyball",
        "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}


def category_problem(name: str, sub: str | None) -> str | None:
    """Why Apple would reject this category (with the nearest valid one), or None."""
    if name not in CATEGORIES:
        return f"{name!r} is not an Apple Podcasts category{_nearest(name, list(CATEGORIES))}"
    if sub is not None and sub not in CATEGORIES[name]:
        allowed = ", ".join(CATEGORIES[name]) or "none"
        return f"{sub!r} is not a subcategory of {name!r} (allowed: {allowed})"
    return None


def _nearest(word: str, options: list[str]) -> str:
    near = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return f"; did you mean {near[0]!r}?" if near else ""


SHOW_TYPES = ("episodic", "serial")
EPISODE_TYPES = ("full", "trailer", "bonus")
MAX_TEXT_BYTES = 4000  # descriptions and summaries, in UTF-8 bytes

ARTWORK_MIN_SIDE, ARTWORK_MAX_SIDE = 1400, 3000
ARTWORK_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}  # suffix → Pillow's format


def artwork_problems(name: str, fmt: str | None, mode: str, size: tuple[int, int]) -> list[str]:
    """Apple's artwork rules: square JPEG/PNG, 1400–3000 px, RGB, named as its format."""
    width, height = size
    problems = []
    expected = ARTWORK_FORMATS.get(PurePosixPath(name.split("?")[0]).suffix.lower())
    if expected is None:
        problems.append(f"{name!r}: artwork must be .jpg or .png")
    elif fmt != expected:
        problems.append(
            f"{name!r} holds {fmt} data but its name says {expected}; rename or convert it"
        )
    if width != height:
        problems.append(f"{name!r} is {width}x{height} px; artwork must be square")
    if not ARTWORK_MIN_SIDE <= width <= ARTWORK_MAX_SIDE:
        problems.append(
            f"{name!r} is {width}x{height} px; allowed: {ARTWORK_MIN_SIDE} to {ARTWORK_MAX_SIDE} px"
        )
    if mode != "RGB":
        problems.append(f"{name!r} is in {mode} colour mode; save it as RGB (no alpha, no CMYK)")
    return problems
