"""The window's controllers: objects that own a part of its state (the search on screen,
the results shown, browsing, the tag commands) and talk to each other through signals;
``main_window.py`` only wires them."""
