"""When more training would only memorise: the rule that ends a run early, and the sign
that a finished run has memorised its corpus.

Both read the honest held-out loss (``training.data.overlap`` cuts out what training also
holds). A plateau is not a reason to stop: with the cosine schedule a flat held-out loss
often falls again as the learning rate decays. A rise is: once held-out loss has climbed
clearly above its best at several validations in a row while training loss falls, the
model is fitting its corpus rather than the language, and nothing later in the schedule
undoes that (on Debian's licence texts, 303 KB, held-out loss rose from 1.59 to 3.04
over the rest of a 1.5-minute budget). Stopping there saves the rest of the budget; the
run ends on its best weights, as every completed run does.
"""

from __future__ import annotations

from collections.abc import Sequence

from training.checkpoints.run_meta import ValidationPoint

# Validations in a row after the best, all clearly worse, before a run stops: one can be
# noise (a capped sample, a spike after a hard batch), three at 15 s apart are a trend.
PATIENCE = 3
# How much worse than the best each of them must be: 2 % of the loss is ~0.03 nats at 1.5,
# six times the capped sample's noise (``trainer_state.STALL``, 0.005 nats).
RISE = 0.02
# Held-out loss this far above the training loss at the end: the model predicts its own
# corpus much better than unseen text of the same kind. On texts it generalises on (plays,
# Python sources, 90 s to 20 min) the gap stays under 0.15 nats; a memorised corpus shows
# 1 nat or more.
MEMORISED_GAP = 0.5
ADVICE = "More text, a smaller preset or more dropout helps."


def should_stop(history: Sequence[ValidationPoint], *, best_step: int | None, best: float) -> bool:
    """Whether the validations after the best one (at ``best_step``) say the model is
    memorising: the last ``PATIENCE`` of them all above best × (1 + RISE)."""
    if best_step is None:
        return False
    recent = [p.val_loss for p in history if p.step > best_step][-PATIENCE:]
    return len(recent) == PATIENCE and min(recent) > best * (1 + RISE)


def stopped_early_message(*, step: int, progress: float) -> str:
    return f"stopped early at step {step:,}, {progress:.0%} into its budget: "


def memorised_message(*, train_loss: float | None, held_out: float) -> str | None:
    """One line when the gap between held-out and training loss says the corpus is
    memorised; None when it does not."""
    if train_loss is None or held_out - train_loss <= MEMORISED_GAP:
        return None
    return (
        f"training loss {train_loss:.2f} against {held_out:.2f} nats on held-out text: the model "
        f"has memorised much of its corpus. {ADVICE}"
    )
