"""Windows that open over the main window: folders, recording, tagging (review,
teach, concepts, scope), settings."""
