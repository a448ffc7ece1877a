"""Results and tags a user can trust: the summary line and its cut-off, the
review list most confident first with the next step when little was proposed, and the
threshold of Teach a tag."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Qt

from app.gui.dialogs.review import ProposalRole, ReviewDialog
from app.gui.dialogs.teach import TeachDialog
from app.gui.services.tagging import Proposal
from app.gui.widgets.summary import ResultsSummary, summary_text
from core.tagging.reports import TagReport


def _r(good: bool) -> SimpleNamespace:
    return SimpleNamespace(good=good)


def test_summary_counts_good_and_weaker_and_says_what_to_try():
    assert summary_text("dog", [_r(True), _r(True)], False) == "2 results for dog"
    assert summary_text("dog", [_r(True), _r(False)], False) == \
        "1 good match (1 weaker hidden) for dog"
    none = summary_text("dog", [_r(False)] * 3, False)
    assert none.startswith("No good match (3 weaker results hidden) for dog.")
    assert "Try other words" in none
    assert summary_text("dog", [], False).startswith("No results for dog")
    by_example = summary_text("tone.wav", [_r(False)], True, words=False)
    assert by_example == "No good match (1 weaker result shown) for tone.wav"


def test_summary_button_shows_and_hides_the_weaker_results(qtbot):
    summary = ResultsSummary("welcome")
    qtbot.addWidget(summary)
    results = [_r(True), _r(False), _r(False)]
    assert summary.set_results("rain", results) == results[:1]
    assert not summary.button.isHidden() and summary.button.text() == "Show 2 weaker"
    with qtbot.waitSignal(summary.toggled):
        summary.button.click()
    assert summary.shown() == results and "weaker shown" in summary.label.text()
    assert summary.button.accessibleName() == "Hide weaker results"
    summary.set_results("rain", [_r(True)])  # a new search starts with the cut-off again
    assert summary.button.isHidden() and not summary.showing_all


def test_auto_tag_report_suggests_a_lower_threshold_when_little_was_tagged():
    report = TagReport(min_score=0.5, best_scores=[0.45, 0.35, 0.25, 0.12, 0.05, 0.6],
                       tagged_items=1)
    assert report.would_tag(0.3) == 3 and report.would_tag(0.2) == 4
    assert report.suggested_min_score() == 0.3  # the highest that tags half the items
    hint = report.hint()
    assert hint.startswith("No tag reached 50% for 5 of the 6 items. At 30%, 3 of them")
    assert "Teach a tag" in hint
    assert TagReport(min_score=0.5, best_scores=[0.7, 0.6], tagged_items=2).hint() == ""
    by_kind = TagReport(min_score=0.5, best_scores=[0.6, 0.05, 0.1], tagged_items=1,
                        kinds={"image": [2, 1], "sound": [1, 0]})
    assert by_kind.hint().startswith("No tag reached 50% for 2 of the 3 items (1 of 2 photos, "
                                     "1 of 1 sounds).")
    nothing = TagReport(min_score=0.5, best_scores=[0.01, 0.02], tagged_items=0)
    assert nothing.suggested_min_score() is None and "teach a tag" in nothing.hint()


def _proposal(i: int, name: str, score: float) -> Proposal:
    return Proposal(i, Path(f"/m/item{i}.jpg"), "image", name, "zero-shot", score)


def test_review_lists_the_most_confident_first_and_offers_the_retry(qtbot, make_window):
    window = make_window()
    retried = []
    proposals = [_proposal(1, "sea", 0.31), _proposal(2, "dog", 0.92), _proposal(3, "cat", 0.55)]
    dialog = ReviewDialog(window.tagging, "Review", proposals, window, window.thumbnails,
                          ("Propose at 20%", lambda: retried.append(True)))
    qtbot.addWidget(dialog)
    names = [row.data(0, ProposalRole).name for row in dialog.rows()]
    assert names == ["dog", "cat", "sea"]
    assert dialog.rows()[0].text(3) == "92%"
    assert dialog.rows()[0].data(0, Qt.ItemDataRole.AccessibleTextRole) == \
        "dog for item2.jpg, photo, 92% likely"
    assert dialog.retry_button is not None and dialog.retry_button.accessibleName()
    dialog.retry_button.click()
    assert retried == [True]


def test_teach_dialog_shows_and_passes_its_threshold(qtbot):
    results = [SimpleNamespace(path=Path("/m/a.jpg"), kind="image", item_id=1),
               SimpleNamespace(path=Path("/m/b.wav"), kind="sound", item_id=2)]
    dialog = TeachDialog(results, None, min_score=0.3)
    qtbot.addWidget(dialog)
    assert dialog.threshold.value() == 30 and dialog.threshold.accessibleName()
    dialog.name.setText("farm animal")
    dialog.threshold.setValue(65)
    dialog.examples.item(1).setCheckState(Qt.CheckState.Checked)  # a counter-example
    with qtbot.waitSignal(dialog.teach) as got:
        dialog.accept()
    assert got.args == ["farm animal", [1], [2], 0.65]
