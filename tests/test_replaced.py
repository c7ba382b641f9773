"""replaced: the places of a list that hold other objects than last time, and the filter that
updates its last answer there."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mentorsite import replaced as module
from mentorsite.replaced import filtered, replaced


class Item:
    """An object compared by identity, as LoadedMentor is by these passes."""

    def __init__(self, keep: bool):
        self.keep = keep


def test_replaced_names_the_places_holding_other_objects():
    a, b, c = Item(True), Item(True), Item(False)
    assert replaced([a, b, c], [a, b, c]) == []
    assert replaced([a, b, c], [a, Item(True), c]) == [1]
    assert replaced([a, b, c], [c, b, a]) == [0, 2]
    assert replaced([a, b, c], [a, b]) is None  # another length: no places
    assert replaced([a, b, c], [Item(True), Item(True), c], most=1) is None  # too many


@settings(max_examples=200, derandomize=True)
@given(
    start=st.lists(st.booleans(), min_size=1, max_size=8),
    steps=st.lists(
        st.tuples(st.integers(0, 7), st.sampled_from(["flip", "copy", "drop", "add"]), st.booleans()), max_size=12
    ),
)
def test_filtered_edit_by_edit_equals_the_filter_made_again(start, steps):
    """After every replacement, removal or addition, the filter updated from its last answer
    is the list comprehension's, object for object."""
    module._filters.pop("test", None)
    items = [Item(keep) for keep in start]
    assert filtered("test", items, lambda x: x.keep) == [x for x in items if x.keep]
    for place, what, keep in steps:
        at = place % len(items) if items else 0
        if what == "flip" and items:
            items[at] = Item(not items[at].keep)
        elif what == "copy" and items:
            items[at] = Item(items[at].keep)
        elif what == "drop" and items:
            del items[at]
        else:
            items.insert(at, Item(keep))
        got = filtered("test", items, lambda x: x.keep)
        assert [id(x) for x in got] == [id(x) for x in items if x.keep]


def test_a_reports_errors_follow_each_diagnostic_as_the_last_report_is_reused():
    """Report.errors answers from the last report's at the places that hold the same diagnostics."""
    from mentorsite.buildreport import Report
    from mentorsite.diagnostics import Diagnostic

    warnings = [Diagnostic(f"mentors/m{i}.yaml", 1, 1, "no photo", severity="warning") for i in range(50)]
    assert Report(diagnostics=list(warnings)).errors == []
    error = Diagnostic("mentors/m7.yaml", 3, 5, "name is missing")
    edited = warnings[:7] + [error] + warnings[8:]  # one place holds another diagnostic
    assert Report(diagnostics=edited).errors == [error]
    assert Report(diagnostics=list(warnings)).errors == []  # fixed again
    assert Report(diagnostics=[*warnings, error, error]).errors == [error, error]  # longer: made again
    assert Report(diagnostics=[]).errors == []
