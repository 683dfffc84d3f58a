"""Training, evaluation and shipping of the comment classifier (``python -m training --help``)."""
