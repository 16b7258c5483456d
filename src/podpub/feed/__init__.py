"""The feed: items from the episodes and their records, RSS with Apple's and the Podcasting 2.0
tags (feedgen), and the linter every page passes before it is written."""
