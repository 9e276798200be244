"""What ``lstm-studio`` exit codes mean; the README's promises list them too."""

from __future__ import annotations

import signal

OK = 0  # done: the budget was used up (or the command finished) and everything was saved
UNEXPECTED = 1  # a bug: the message names it (LSTM_STUDIO_DEBUG=1 shows the traceback)
BAD_INPUT = 2  # bad arguments, files, checkpoints, a refused resume or a folder in use
DIVERGED = 3  # training diverged; rolled back to the last good step, saved and stopped
NOT_SAVED = 4  # the final checkpoint could not be written (disk full, folder not writable)
OUT_OF_MEMORY = 5  # a step, or the model itself, did not fit in memory; the last checkpoint stands
PEER_LOST = 6  # under torchrun, another process of the run stopped; the last checkpoint stands
# The command did its work (a run trained and saved) but its output could not all be written: stdout
# or a log on a full disk. Training never stops for output; a reader leaving early (`| head`) is 0.
OUTPUT_LOST = 7
INTERRUPTED = 130  # Ctrl+C outside training (during training a signal stops and saves, below)


def stopped_by(signum: int) -> int:
    """Stopped by a signal after the current step, with a checkpoint saved: 128 + its number,
    the shell's convention (130 for Ctrl+C, 143 for SIGTERM, 129 for SIGHUP)."""
    return 128 + int(signum)


SIGNAL_NAMES = {int(s): s.name for s in signal.Signals}
