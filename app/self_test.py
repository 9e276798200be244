"""``lstm-studio --self-test``: the whole path a person takes, without the person.

One line per step (ok / FAILED and why); exit status 0 only when every step worked.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QMessageBox

from app import model_store, resources
from app.main_window import MainWindow
from app.user_guide import GuideDialog, show_user_guide
from app.wait_for_signal import wait_for
from lstm_core.openmp_team import can_run_alone
from lstm_core.pair_worker import shared_worker
from lstm_core.sampling import SamplingSettings, generate
from training.demo.tiny import train_tiny_models, write_fallback_corpus

PROMPT = "The "
GUIDE_LINK, GUIDE_LINK_TITLE = "window.md", "The window"  # a page the guide's first page links to


class SelfTest:
    def __init__(self, window: MainWindow, work: Path, screenshot: str | None) -> None:
        self.window, self.work, self.screenshot = window, work, screenshot
        self.corpus: Path | None = resources.demo_corpus()
        self.failures = 0

    def step(self, name: str, fn: Callable[[], str]) -> None:
        try:
            detail = fn()
        except Exception as err:
            self.failures += 1
            print(f"FAILED {name}: {type(err).__name__}: {err}", flush=True)
            traceback.print_exc()
        else:
            print(f"ok     {name}: {detail}", flush=True)

    def models(self) -> str:
        lstm, rnn = resources.demo_model("lstm"), resources.demo_model("rnn")
        source = "shipped demo models"
        if lstm is None or rnn is None:
            corpus = self.corpus or write_fallback_corpus(self.work / "corpus.txt")
            lstm, rnn = train_tiny_models(corpus, self.work / "tiny", steps=30)
            source = "freshly trained tiny models (demo assets missing)"
        w = self.window
        if not (w.open_model(lstm, quiet=True, with_companion=False) and w.open_model(rnn, quiet=True)):
            raise RuntimeError("the models did not load")
        if w.models.main is None or w.models.rnn is None:
            raise RuntimeError("expected an LSTM and an RNN to be loaded")
        return f"{source}: {w.models.main.short_label()}"

    def open_corpus(self) -> str:
        corpus = self.corpus or write_fallback_corpus(self.work / "corpus.txt")
        panel = self.window.corpus
        (loaded,) = wait_for(
            panel.loaded, 60, start=lambda: self.window.open_corpus([str(corpus)]), fail=panel.failed
        )
        if not panel.preview.toPlainText():
            raise RuntimeError("the preview stayed empty")
        return f"{loaded.corpus.describe()}, {loaded.stats.tokens:,} tokens"

    def generate(self) -> str:
        gen = self.window.generation
        gen.prompt.setPlainText(PROMPT)
        gen.length.setValue(120)
        (text,) = wait_for(gen.generated, 60, start=gen.generate, fail=gen.runner.failed)
        if (
            not text
            or not gen.editor.toPlainText().startswith(PROMPT)
            or len(gen.editor.toPlainText()) <= len(PROMPT)
        ):
            raise RuntimeError("no text reached the editor")
        return f"{len(text)} characters streamed into the editor"

    def contrast(self) -> str:
        panel = self.window.contrast
        lstm_text, rnn_text = wait_for(panel.compared, 60, start=panel.compare)
        if not lstm_text or not rnn_text:
            raise RuntimeError("one of the two models produced nothing")
        if not panel.columns["rnn"].tokens or panel.columns["rnn"].mean_surprisal() is None:
            raise RuntimeError("no surprisal arrived for the RNN")
        if self.screenshot:
            self.window.repaint()
            if not self.window.grab().save(self.screenshot):
                raise RuntimeError(f"could not save {self.screenshot}")
        return f"LSTM {len(lstm_text)} / RNN {len(rnn_text)} characters, tinted by surprisal"

    def pair_process(self) -> str:
        """The RNN of the contrast generates in a process of its own: in a bundle that
        process is the bundle's own executable, started again."""
        worker = shared_worker()
        if not worker.wait_ready(60):
            raise RuntimeError(f"the pair's process did not start: {worker.failure}")
        served = worker.served
        panel = self.window.contrast
        if panel.running:  # the last comparison's job ends just after its texts arrive
            wait_for(panel.background.idle, 30)
        _, rnn_text = wait_for(panel.compared, 60, start=panel.compare)
        if worker.served != served + 1 or not rnn_text:
            raise RuntimeError("the RNN did not generate in its own process")
        return f"the RNN wrote {len(rnn_text)} characters in its own process"

    def kernel_threads(self) -> str:
        """A generation step can run on one kernel thread and leave the other threads theirs:
        torch's OpenMP runtime is found beside its libraries, in a bundle as in an install."""
        if can_run_alone():
            return "a step can run on one kernel thread"
        if sys.platform.startswith("linux"):
            raise RuntimeError("torch's OpenMP runtime was not found beside its libraries")
        return "torch's OpenMP runtime not found: every step runs on all kernel threads"

    def train(self) -> str:
        dash = self.window.dashboard
        dash.options.set_tiny(steps=12)
        (results,) = wait_for(dash.controller.finished, 180, start=dash.start, fail=dash.controller.failed)
        if dash.controller.running:  # its thread ends just after the results arrive: quit waits for that
            wait_for(dash.controller.idle, 30)
        if dash.steps_received == 0:
            raise RuntimeError("no progress reached the dashboard")
        reasons = ", ".join(f"{r.model} {r.reason} at step {r.steps}" for r in results)
        if any(r.reason != "completed" for r in results):
            raise RuntimeError(reasons)
        return f"{dash.steps_received} step events; {reasons}"

    def save_and_reload(self) -> str:
        target = self.work / "saved" / "checkpoint.safetensors"
        saved = self.window.save_model_as(target)
        if saved is None:
            raise RuntimeError("save failed")
        reloaded = model_store.load(saved)
        main = self.window.models.main
        assert main is not None
        if reloaded.model.num_parameters() != main.model.num_parameters():
            raise RuntimeError("the reloaded model differs from the saved one")
        text = "".join(
            generate(reloaded.model, reloaded.tokenizer, PROMPT, SamplingSettings(max_tokens=20, seed=1))
        )
        if not text:
            raise RuntimeError("the reloaded model generated nothing")
        return f"{saved} reloads and generates"

    def user_guide(self) -> str:
        """Help ▸ User Guide opens the shipped pages, and a link leads to the next one."""
        dialog = show_user_guide(self.window)
        if not isinstance(dialog, GuideDialog):
            raise RuntimeError(f"no user guide beside {resources.assets_dir()}: only the key points")
        first = dialog.browser.source().toLocalFile()
        dialog.browser.setSource(dialog.browser.source().resolved(QUrl(GUIDE_LINK)))
        followed = dialog.browser.toPlainText()
        dialog.close()
        if not followed.startswith(GUIDE_LINK_TITLE):
            raise RuntimeError(f"the link to {GUIDE_LINK} showed: {followed[:60]!r}")
        return f"{first} opens, and its link to {GUIDE_LINK} leads there"


def no_blocking_dialogs() -> list[str]:
    """Nobody is there to click OK: dialogs are printed and recorded instead of shown. A
    question (a finished run offered over the demo) is part of a person's path: it is
    answered Yes and not recorded as a failure."""
    seen: list[str] = []

    def show(
        _parent: object, title: str, text: str, *_args: object, **_kwargs: object
    ) -> QMessageBox.StandardButton:
        seen.append(f"{title}: {text}")
        print(f"dialog {title}: {text}", flush=True)
        return QMessageBox.StandardButton.Ok

    def answer_yes(
        _parent: object, title: str, text: str, *_args: object, **_kwargs: object
    ) -> QMessageBox.StandardButton:
        print(f"question {title}: {text} -> Yes", flush=True)
        return QMessageBox.StandardButton.Yes

    for name in ("warning", "information", "critical"):
        setattr(QMessageBox, name, staticmethod(show))
    QMessageBox.question = staticmethod(answer_yes)  # type: ignore[method-assign]
    return seen


def run_self_test(*, screenshot: str | None = None, data_dir: Path | None = None) -> int:
    dialogs = no_blocking_dialogs()
    with tempfile.TemporaryDirectory(prefix="lstm-studio-self-test-") as tmp:
        work = Path(tmp)
        window = MainWindow(data_dir=data_dir or work / "data", load_defaults=False)
        window.resize(1600, 1000)
        window.show()
        test = SelfTest(window, work, screenshot)
        test.step("models", test.models)
        test.step("corpus", test.open_corpus)
        test.step("generate", test.generate)
        test.step("kernel threads", test.kernel_threads)
        test.step("contrast", test.contrast)
        test.step("pair process", test.pair_process)
        test.step("train", test.train)
        test.step("save+reload", test.save_and_reload)
        test.step("user guide", test.user_guide)
        window.close()
        if dialogs:
            test.failures += 1
            print(f"FAILED dialogs: {len(dialogs)} error dialog(s) appeared", flush=True)
        print(
            "self-test passed" if test.failures == 0 else f"self-test: {test.failures} step(s) failed",
            flush=True,
        )
        return 0 if test.failures == 0 else 1
