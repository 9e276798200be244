"""One model's training: the loop, its optimizer, how it is judged and what it saves.

- run_loop.py: a run's trainers to their budgets, one step of each in turn
- trainer.py: the loop: stateful truncated BPTT, schedule, clipping, autocast; events out
- graph_step.py: on a GPU, the whole training step captured once in a CUDA graph and replayed
- trainer_saves.py: a Trainer's checkpoint written now, and what a failed save says
- trainer_end.py: how a run ends: completed on its best weights, stopped, or diverged
- trainer_state.py: checkpoints written and resumed, the rollback snapshot, the best weights
- streams.py: the state each stream carries between chunks, restarted a few streams at a time
- step_readout.py: each step's loss and gradient norm, read back a few steps at a time
- optimizer.py: AdamW (or Muon) and the warm-up + cosine schedule
- muon.py: Muon on the LSTM's matrices with AdamW for the rest, in one optimizer
- evaluate.py: held-out loss in nats, bits per character and perplexity
- document_eval.py: held-out documents, each scored from its own start
- early_stop.py: when more training would only memorise: the rule that ends a run early
- rollback_message.py: why a run went back to earlier weights, in plain words
- failures.py: failures a step can meet that a person can act on (out of memory)
"""
