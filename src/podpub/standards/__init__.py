"""The standards podpub's output meets, each rule written once: Apple Podcasts' requirements,
the XML namespaces of a podcast feed, and what text and links a feed can carry. Both the show's
validation and the feed linter read them; they depend on nothing else in podpub."""
