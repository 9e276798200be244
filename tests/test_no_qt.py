from __future__ import annotations

import subprocess
import sys


def test_engine_imports_without_qt() -> None:
    code = (
        "import sys\n"
        "import lstm_core, lstm_core.model, lstm_core.sampling, lstm_core.stepper, lstm_core.tokenizers\n"
        "import training.run, training.trainer, training.checkpoint, training.cli, training.corpus\n"
        "import lstm_core.measure.explain, lstm_core.measure.gate_trace\n"
        "import training.corpus_stats, training.tiny, training.demo_corpus\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'PyQt', 'pyqtgraph', 'shiboken'))]\n"
        "assert not bad, bad\n"
        "print('clean')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "clean"
