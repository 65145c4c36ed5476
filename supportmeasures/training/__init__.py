"""Mamori e-learning: the annual training on support measures, one module per role, ending in
a short test scored on the server (docs/training.md). Passing records the year's training
through `supportmeasures.actions.record_training`; failing is an audit event."""
