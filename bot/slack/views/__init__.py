"""The App Home tab: its assembly and publishing (`home.py`), the channels' digests and alerts with their modals
(`channels.py`), and who manages settings (`managers.py`)."""
