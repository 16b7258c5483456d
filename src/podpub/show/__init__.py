"""The show as the host writes it: podcast.toml, the episode folders (front matter, notes,
chapters, transcripts, artwork) and the records of what was published. Reading and validating
them needs no audio engine, no storage and no network."""
