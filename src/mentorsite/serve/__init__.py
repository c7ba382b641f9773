"""The dev server behind `mentorsite serve`: a live edit loop for one person on localhost.

- `watch`   the site's inputs → batches of changed paths, one batch per burst of saves
- `server`  HTTP: the last good build, the live-reload script added to HTML, build states
            streamed to open tabs
- `session` the loop: build into the preview's own folder, serve it, rebuild on every batch

It imports the build pipeline; the pipeline never imports it. Not for production.
"""
