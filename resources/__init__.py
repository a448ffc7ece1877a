"""The files Synesthesia needs at run time (model, vocabulary, calibration, class names, emoji
names, demo library), shipped as package data so they travel inside the wheel. Code finds
them through ``core.resources``, never by path arithmetic from ``__file__``."""
