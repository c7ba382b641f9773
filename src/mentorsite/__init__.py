"""mentorsite: a static-site generator for mentor directories and resource hubs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mentorsite")
except PackageNotFoundError:  # running from a source checkout without installing
    __version__ = "0.0.0+source"
