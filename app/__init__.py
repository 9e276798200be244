"""LSTM Studio: the desktop window and the ``lstm-studio`` entry point."""
