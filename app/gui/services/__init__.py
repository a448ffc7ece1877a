"""What the window calls to get work done: the library and tagging services over
``core`` (run on worker pools), searches, thumbnails, audio, speech, settings. No widgets."""
