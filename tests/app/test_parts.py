from __future__ import annotations

import sys
from pathlib import Path

from app import model_store, resources
from app.background import Background
from app.event_batching import Batcher
from app.model_card import ModelCardDialog, model_card_html
from app.settings import Settings


def test_batcher_delivers_every_item_at_most_once_per_interval():
    now = [0.0]
    batcher: Batcher[int] = Batcher(0.1, clock=lambda: now[0])
    delivered = []
    for i in range(100):
        now[0] = i * 0.005  # 200 items a second
        batch = batcher.add(i)
        if batch:
            delivered.append(batch)
    delivered.append(batcher.flush())
    assert [x for batch in delivered for x in batch] == list(range(100))
    assert len(delivered) <= 7  # 0.5 s of items: about five deliveries plus the first and the flush


def test_assets_from_source_and_when_frozen(monkeypatch, tmp_path):
    assert resources.assets_dir() == Path(__file__).resolve().parents[2] / "assets"
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.assets_dir() == tmp_path / "assets"
    assert resources.demo_corpus() is None  # nothing shipped in this fake bundle
    (tmp_path / "assets" / "demo").mkdir(parents=True)
    (tmp_path / "assets" / "demo" / "corpus.txt").write_text("x")
    assert resources.demo_corpus() == tmp_path / "assets" / "demo" / "corpus.txt"
    assert resources.is_inside_assets(tmp_path / "assets" / "demo" / "corpus.txt")
    assert not resources.is_inside_assets(tmp_path / "elsewhere.txt")


def test_recent_lists_persist_newest_first_without_duplicates(tmp_path):
    settings = Settings(tmp_path)
    settings.add_recent_corpus(["/a.txt"])
    settings.add_recent_corpus(["/b.txt", "/c.txt"])
    settings.add_recent_corpus(["/a.txt"])
    settings.add_recent_model("/m/checkpoint.safetensors")
    settings.sync()
    again = Settings(tmp_path)
    assert again.recent_corpora() == [["/a.txt"], ["/b.txt", "/c.txt"]]
    assert again.recent_models() == ["/m/checkpoint.safetensors"]


def test_model_card_names_what_matters(tiny):
    loaded = model_store.load(tiny.lstm.parent)  # a run folder works as well as the file
    card = model_card_html(loaded)
    for needle in ("LSTM", f"{loaded.model.num_parameters():,}", "char", "corpus.txt", "Bits per character"):
        assert needle in card
    assert model_store.companion_rnn_path(loaded.path) == tiny.rnn


def test_model_card_measures_the_sequential_bottleneck(tiny, qtbot):
    lstm, rnn = model_store.load(tiny.lstm.parent), model_store.load(tiny.rnn.parent)
    tasks = Background()
    dialog = ModelCardDialog(lstm, contrast=rnn, tasks=tasks)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "Measuring" not in dialog.browser.toPlainText(), timeout=60_000)
    text = dialog.browser.toPlainText()
    assert "explicit cell" in text and "LSTM" in text and "RNN" in text
    # The copy figure, measured on fresh samples against the run's own corpus.
    assert "Copying" in text and "3 samples of 300 tokens" in text and "copied spans of ≥ 50" in text
    tasks.shutdown()


def test_save_as_then_open_round_trips(window, tmp_path):
    target = window.save_model_as(tmp_path / "out" / "mine")
    assert target == tmp_path / "out" / "mine" / "checkpoint.safetensors" and target.is_file()
    assert window.open_model(target)
    assert window.models.main.path == target
    assert window.settings.recent_models()[0] == str(target)
    assert "LSTM" in window.model_label.text()


def test_bad_model_file_gives_a_dialog(window, dialogs, tmp_path):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a checkpoint")
    assert not window.open_model(broken)
    assert dialogs and "broken.safetensors" in dialogs[0][1]
    assert window.models.main is not None  # the previous model is still there


def test_layout_persists(qtbot, tmp_path, tiny, dialogs):
    from app.main_window import MainWindow

    first = MainWindow(data_dir=tmp_path, load_defaults=False)
    qtbot.addWidget(first)
    first.show()
    first.docks["contrast"].hide()
    first.close()
    second = MainWindow(data_dir=tmp_path, load_defaults=False)
    qtbot.addWidget(second)
    assert second.settings.get_bytes("window/geometry") is not None
    assert second.docks["contrast"].isHidden()
