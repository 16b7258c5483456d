"""The show's website: static pages built from the same inputs as the feed."""
