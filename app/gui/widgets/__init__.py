"""The parts of the main window: search bar, results grid and its model, tiles,
preview pane, tags panel, indexing status, menus."""
