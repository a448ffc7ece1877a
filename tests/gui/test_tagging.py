"""Tagging from the window: your own tags, auto-tag review, teaching a tag, concepts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from app.gui.dialogs.concepts import ConceptsDialog
from app.gui.dialogs.review import ReviewDialog
from app.gui.dialogs.teach import TeachDialog
from tests.media import NOTES, make_library

TIMEOUT = 60_000


def indexed_window(make_window, qtbot, tmp_path):
    window = make_window()
    with qtbot.waitSignal(window.index_panel.finished, timeout=TIMEOUT):
        window.service.add_folder(make_library(tmp_path / "media"), [],
                                  lambda folders: window.index_panel.start())
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        window.search_bar.field.setText(NOTES["beach.txt"])
    if window.summary.button.isVisible():  # the weaker results below the cut-off too
        window.summary.button.click()
    return window


def test_add_your_own_tag_from_the_keyboard(make_window, qtbot, tmp_path):
    window = indexed_window(make_window, qtbot, tmp_path)
    top = window.results_model.result(0)
    assert Path(top.path).name == "beach.txt"
    window.view.setFocus()
    qtbot.waitUntil(lambda: window.view.hasFocus())
    qtbot.keyClick(window.view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.preview.tags_panel.new_tag
    with qtbot.waitSignal(window.tagging.changed, timeout=TIMEOUT):
        qtbot.keyClicks(window.preview.tags_panel.new_tag, "seaside")
        qtbot.keyClick(window.preview.tags_panel.new_tag, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "seaside" in window.preview.tags_panel.accepted.text(),
                    timeout=TIMEOUT)
    # The result's spoken text now carries the tag: the tags are the alt text.
    qtbot.waitUntil(lambda: window.results_model.index(0).data(Qt.ItemDataRole.AccessibleTextRole)
                    .endswith("; tags: seaside"), timeout=TIMEOUT)
    # Searches show it too.
    window.search_bar.field.clear()
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        window.search_bar.field.setText(NOTES["beach.txt"])
    assert window.results_model.result(0).tags == ("seaside",)


def test_auto_tag_then_review_before_anything_is_accepted(make_window, qtbot, tmp_path,
                                                          settings):
    # The small random network is not calibrated: take every item's best few tags.
    settings.set("tags/min_score", 0.0)
    window = indexed_window(make_window, qtbot, tmp_path)
    with qtbot.waitSignal(window.tagging.changed, timeout=TIMEOUT):
        window.tag_actions.run_auto_tag(None)
    qtbot.waitUntil(lambda: isinstance(window.tag_actions.dialog, ReviewDialog), timeout=TIMEOUT)
    review = window.tag_actions.dialog
    rows = review.rows()
    assert rows, review.summary.text()
    assert "Nothing is written until you accept it" in review.summary.text()
    proposal = rows[0].data(0, Qt.ItemDataRole.UserRole + 10)
    # Nothing was accepted by auto-tagging itself.
    got: list = []
    window.tagging.tags(proposal.item_id, got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=TIMEOUT)
    assert all(t.status != "accepted" for t in got[0])
    rows[0].setCheckState(0, Qt.CheckState.Checked)
    with qtbot.waitSignal(window.tagging.changed, timeout=TIMEOUT):
        qtbot.mouseClick(review.accept_button, Qt.MouseButton.LeftButton)
    got.clear()
    window.tagging.tags(proposal.item_id, got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=TIMEOUT)
    assert any(t.name == proposal.name and t.status == "accepted" for t in got[0])
    assert len(review.rows()) == len(rows) - 1


def test_teach_a_tag_from_selected_results(make_window, qtbot, tmp_path):
    window = indexed_window(make_window, qtbot, tmp_path)
    picks = [r for r in window.results_model.results() if Path(r.path).name in ("beach.txt", "red.png",
                                                                         "kitchen.txt")]
    selection = window.view.selectionModel()
    selection.clear()
    for r in picks:
        row = window.results_model.results().index(r)
        selection.select(window.results_model.index(row), QItemSelectionModel.SelectionFlag.Select)
    window.tag_actions.teach()
    dialog = window.tag_actions.dialog
    assert isinstance(dialog, TeachDialog) and dialog.examples.count() == 3
    qtbot.keyClicks(dialog.name, "holiday")
    kitchen = [i for i in range(3) if dialog.examples.item(i).text().startswith("kitchen")][0]
    dialog.examples.item(kitchen).setCheckState(Qt.CheckState.Checked)  # a counter-example
    with qtbot.waitSignal(window.tagging.changed, timeout=TIMEOUT):
        dialog.accept()
    qtbot.waitUntil(lambda: isinstance(window.tag_actions.dialog, ReviewDialog), timeout=TIMEOUT)
    review = window.tag_actions.dialog
    assert "holiday" in review.windowTitle()
    assert all(r.data(0, Qt.ItemDataRole.UserRole + 10).name == "holiday"
               for r in review.rows())
    got: list = []
    kitchen_id = [r.item_id for r in picks if Path(r.path).name == "kitchen.txt"][0]
    beach_id = [r.item_id for r in picks if Path(r.path).name == "beach.txt"][0]
    window.tagging.call(lambda t, task: (t.tags(item_id=beach_id), t.tags(item_id=kitchen_id)),
                        got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=TIMEOUT)
    beach_tags, kitchen_tags = got[0]
    assert any(t.name == "holiday" and t.status == "accepted" for t in beach_tags)
    assert any(t.name == "holiday" and t.status == "rejected" for t in kitchen_tags)


def test_concepts_panel_opens_a_unit_in_the_results(make_window, qtbot, tmp_path):
    window = indexed_window(make_window, qtbot, tmp_path)
    window.tag_actions.concepts()
    dialog = window.tag_actions.dialog
    assert isinstance(dialog, ConceptsDialog)
    qtbot.waitUntil(lambda: bool(dialog._views), timeout=TIMEOUT)
    if not any(v.cross_kind for v in dialog._views):
        # The small network has no cross-kind unit: the panel says so and lists nothing
        # until asked.
        assert dialog.units.count() == 0 and "None of the network's" in dialog.status.text()
        assert not dialog.all_button.isHidden()
        dialog.all_button.click()
    assert dialog.units.count() > 0
    assert dialog.units.currentItem().text().startswith("Unit ")
    for row in range(dialog.units.count()):  # a random network leaves some units silent
        dialog.units.setCurrentRow(row)
        if dialog.items.count():
            break
    assert dialog.items.count() > 0 and dialog.show_button.isEnabled()
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert window.results_model.rowCount() > 0
    assert "concept unit" in window.count_label.text()
    # Each item opens like a search result: the preview shows it.
    window.view.setCurrentIndex(window.results_model.index(0))
    assert window.preview.result is window.results_model.result(0)


def test_accept_and_reject_proposals_in_the_preview(make_window, qtbot, tmp_path, settings):
    settings.set("tags/min_score", 0.0)  # the small random network is not calibrated
    window = indexed_window(make_window, qtbot, tmp_path)
    with qtbot.waitSignal(window.tagging.changed, timeout=TIMEOUT):
        window.tag_actions.run_auto_tag(None)
    qtbot.waitUntil(lambda: isinstance(window.tag_actions.dialog, ReviewDialog), timeout=TIMEOUT)
    window.tag_actions.dialog.accept()
    window.view.setCurrentIndex(window.results_model.index(1))
    panel = window.preview.tags_panel
    qtbot.waitUntil(lambda: panel.proposed.count() >= 2, timeout=TIMEOUT)
    assert panel.accepted.text() == "Tags: none yet"  # proposals are kept apart
    first = panel.proposed.item(0).data(Qt.ItemDataRole.UserRole)
    with qtbot.waitSignal(window.tagging.changed, timeout=TIMEOUT):
        qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: first in panel.accepted.text(), timeout=TIMEOUT)
    second = panel.proposed.item(0).data(Qt.ItemDataRole.UserRole)
    with qtbot.waitSignal(window.tagging.changed, timeout=TIMEOUT):
        qtbot.mouseClick(panel.reject_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: all(panel.proposed.item(i).data(Qt.ItemDataRole.UserRole) != second
                                for i in range(panel.proposed.count())), timeout=TIMEOUT)
    assert second not in panel.accepted.text()
    # The grid's spoken text carries the accepted tag.
    qtbot.waitUntil(lambda: first in window.results_model.index(1).data(
        Qt.ItemDataRole.AccessibleTextRole), timeout=TIMEOUT)


def test_review_proposed_tags_from_the_menu_opens_the_dialog(make_window, qtbot):
    # Regression: the menu's ``triggered(checked)`` reached review() as its title.
    window = make_window()
    window.menus.review_action.trigger()
    qtbot.waitUntil(lambda: isinstance(window.tag_actions.dialog, ReviewDialog), timeout=TIMEOUT)
    review = window.tag_actions.dialog
    assert review.windowTitle() == "Review proposed tags"
    review.close()
