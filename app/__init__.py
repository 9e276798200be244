"""LSTM Studio: the desktop window and the ``lstm-studio`` entry point.

- __main__.py: ``lstm-studio``: a subcommand goes to the CLI, none opens the window
- launch.py: start the window, or the self-test
- platform_check.py: the system library the window needs, checked before Qt starts
- main_window.py: the main window: composition only, imports nothing heavy
- window_parts.py: what the window's helpers may use of it, as Protocols
- loading_page.py: what stands in while the engine loads: a prompt that already takes typing
- engine_loader.py: torch, the models and the plots, imported behind the first window
- warmup.py: torch's one-time costs, paid on a thread once the engine is ready
- engine_parts.py: the panels that need the engine, built once it is there, as one typed value
- menus.py: actions, menus, keys and the toolbar
- menu_actions.py: one menu command as a QAction
- edit_menu.py: Edit ▸ Undo … Find…, acting on the focused text
- find_dialog.py: Edit ▸ Find…: find text in one of the window's text views
- window_layout.py: where the docks go, remembered between sessions
- window_defaults.py: what opens at start, the Recent menus
- window_guards.py: the questions asked before something is lost
- window_state.py: what the actions and labels show as the models, the run and generation change
- window_title.py: the window's title: the model, the corpus, the program
- model_files.py: opening and saving models
- model_file_actions.py: the window's model commands
- model_store.py: the loaded models, shared by the panels
- model_card.py: what a checkpoint is, was trained on, and how well it does
- onnx_export.py: File ▸ Export ONNX…, in the background
- text_files.py: File ▸ Save Text As…: the Generate tab's text, written whole
- corpus_counts.py: a corpus's character counts, each labelled with what it counts
- user_guide.py: Help ▸ User Guide: the shipped guide, read in the window
- run_results.py: a finished run's models, offered, never forced
- background.py: the one way the window runs work off the GUI thread
- controller.py: the training run in the background
- generation_runner.py: streaming generation in the background
- event_batching.py: fast events batched into a few deliveries a second
- gil_handover.py: the GUI thread gets the GIL back sooner while a job loops in Python
- wait_for_signal.py: waiting for a signal with the event loop running
- resources.py: the window's view of the shipped assets
- session_text.py: the Generate tab's prompt and text, kept across quitting and crashes
- settings.py: what the window remembers, in the per-user data folder
- status_bar.py: a status message too long for the bar ends in "…", whole in its tooltip
- memory.py: what a finished measurement freed, handed back to the system
- plot_style.py: colours, fonts and plots the panels share
- wheel_guard.py: the mouse wheel scrolls pages, not the fields and plots under the pointer
- error_log.py: the log file of background failures
- self_test.py: ``lstm-studio --self-test``: a person's whole path, without the person
- panels/: one module per panel and its parts
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

APP_NAME = "LSTM Studio"  # the window's title ends with it; Qt's dialogs append it to theirs

try:
    __version__ = version("lstm-studio")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0.1.0"
