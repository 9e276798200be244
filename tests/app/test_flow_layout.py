"""The wrapping row that keeps the Generate tab's controls in view on a narrow window."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QWidget

from app.panels.flow_layout import FlowLayout


def _row_of_buttons(qtbot, count: int) -> tuple[QWidget, list[QPushButton]]:
    host = QWidget()
    qtbot.addWidget(host)
    layout = FlowLayout(host)
    buttons = [QPushButton(f"Button {i}") for i in range(count)]
    for button in buttons:
        button.setFixedWidth(100)
        layout.addWidget(button)
    return host, buttons


def test_items_wrap_to_new_rows_when_the_width_runs_out(qtbot):
    host, buttons = _row_of_buttons(qtbot, 4)
    layout = host.layout()
    one_row = layout.heightForWidth(460)
    assert layout.heightForWidth(250) >= 2 * buttons[0].sizeHint().height() > one_row
    host.resize(250, layout.heightForWidth(250))
    host.show()
    qtbot.wait(10)
    rows = sorted({b.y() for b in buttons})
    assert len(rows) == 2  # two buttons fit in 250 pixels, so four take two rows
    assert all(b.x() + b.width() <= 250 for b in buttons)


def test_minimum_width_is_the_widest_item_not_the_whole_row(qtbot):
    host, _buttons = _row_of_buttons(qtbot, 6)
    assert host.layout().minimumSize().width() == 100
    assert host.layout().sizeHint().width() >= 600
